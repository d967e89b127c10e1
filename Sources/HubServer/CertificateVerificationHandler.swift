import CertificateVerification
import Foundation
import HubAPI
import HubStore
import Logging
import OpenAPIRuntime

extension HubAPIHandler {
    func verifyCertificate(_ input: Operations.VerifyCertificate.Input) async throws -> Operations.VerifyCertificate.Output {
        let typed = input.path.code
        guard typed.unicodeScalars.count <= 64 else {
            return .badRequest(.init(body: .json(Self.problem("bad_request", "A verification code has 16 characters; this is far longer."))))
        }
        let verdict: Components.Schemas.CertificateVerdict
        if let code = VerificationCode(typed: typed) {
            do {
                verdict = try await self.verdict(for: code)
            } catch {
                return .serviceUnavailable(.init(body: .json(Self.problem(
                    "database_unavailable", "The hub cannot look the code up right now; try again later."))))
            }
        } else {
            verdict = .init(result: .malformedCode, code: typed)
        }
        logger.info("certificate verified", metadata: ["verify.result": "\(verdict.result.rawValue)"])
        // A browser (the phone that scanned the QR) asks for text/html before JSON.
        let wantsHTML = input.headers.accept.sorted { $0.quality.doubleValue > $1.quality.doubleValue }.first?.contentType == .html
        if wantsHTML {
            return .ok(.init(body: .html(HTTPBody(VerifyPage.html(verdict)))))
        }
        return .ok(.init(body: .json(verdict)))
    }

    private func verdict(for code: VerificationCode) async throws(HubStoreError) -> Components.Schemas.CertificateVerdict {
        guard let stored = try await store.certificate(code: code.compact) else {
            return .init(result: .unknown, code: code.grouped)
        }
        let kiosk = try await store.kiosk(deviceID: stored.deviceID)
        let record = RecordedCertificate(canonicalForm: Array(stored.canonicalForm), signature: Array(stored.signature), kioskID: stored.deviceID)
        guard case .genuine(let canonical) = CertificateVerifier.verify(code: code, record: record, publicKey: kiosk.map { Array($0.publicKey) }),
              let facts = try? CertifiedFacts(canonicalForm: canonical),
              // The facts name the kiosk that signed them; a record moved to another kiosk is not genuine.
              facts.kioskID == stored.deviceID else {
            return .init(result: .tampered, code: code.grouped)
        }
        return .init(result: .genuine, code: code.grouped, facts: .init(
            serial: facts.serial, issuingOffice: facts.issuingOffice, issuedAt: facts.issuedAt,
            holderName: facts.maskedHolderName, citizenId: facts.maskedCitizenID, purpose: facts.purpose,
            insurance: facts.insurance.map {
                .init(_type: $0.type, name: $0.name, status: $0.status, firstInsured: $0.firstInsured, months: $0.months)
            }))
    }
}

/// The page a phone shows after scanning a certificate's QR: one verdict in large plain words,
/// then the facts. Self-contained (no scripts, fonts or styles from elsewhere).
enum VerifyPage {
    static func html(_ verdict: Components.Schemas.CertificateVerdict) -> String {
        let (title, explanation, colour): (String, String, String)
        switch verdict.result {
        case .genuine: (title, explanation, colour) = ("真实有效", "这份参保证明由自助终端出具，内容未被改动。", "#0b5d1e")
        case .unknown: (title, explanation, colour) = ("未找到", "没有与此验证码对应的参保证明。请核对验证码，或向出具机构咨询。", "#8a4b00")
        case .tampered: (title, explanation, colour) = ("无法证实", "此验证码的记录与签名不符，请勿采信这份证明，并向出具机构核实。", "#9b1111")
        case .malformedCode: (title, explanation, colour) = ("验证码格式不对", "验证码是16位字母和数字，例如 7KQ2-M9XD-4TRW-0B3F。请核对后重试。", "#8a4b00")
        }
        var rows = ""
        if let facts = verdict.facts {
            let fields = [("证明编号", facts.serial), ("出具机构", facts.issuingOffice), ("出具时间", facts.issuedAt),
                          ("姓名", facts.holderName), ("公民身份号码", facts.citizenId), ("用途", facts.purpose)]
            rows += fields.map { "<tr><th>\(escape($0.0))</th><td>\(escape($0.1))</td></tr>" }.joined()
            rows += facts.insurance.map {
                "<tr><th>\(escape($0.name))</th><td>\(escape($0.status))，\(escape($0.firstInsured)) 起，证明期内缴费 \($0.months) 个月</td></tr>"
            }.joined()
        }
        return """
            <!DOCTYPE html>
            <html lang="zh-CN"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>参保证明核验：\(escape(title))</title>
            <style>
            body{font-family:"Noto Sans CJK SC","Noto Sans SC",sans-serif;margin:0;padding:1.2em;font-size:20px;line-height:1.5;color:#111;background:#fff}
            h1{font-size:2em;margin:.2em 0;color:\(colour)}
            p.code{font-family:"Noto Sans Mono CJK SC",monospace;font-size:1.2em;letter-spacing:.05em}
            table{border-collapse:collapse;width:100%;margin-top:1em}
            th,td{text-align:left;vertical-align:top;padding:.4em .3em;border-bottom:1px solid #999}
            th{white-space:nowrap;padding-right:1em;font-weight:bold}
            td{overflow-wrap:anywhere}
            @media (max-width:600px){table,tbody,tr,th,td{display:block}th{border-bottom:0;padding-bottom:0}td{padding-top:.1em}}
            </style></head>
            <body>
            <h1>\(escape(title))</h1>
            <p>\(escape(explanation))</p>
            <p class="code">验证码：\(escape(verdict.code))</p>
            \(rows.isEmpty ? "" : "<table>\(rows)</table>")
            </body></html>
            """
    }

    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
