import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Responses and request parsing shared by the dashboard's pages.
enum DashboardHTTP {
    static let sessionCookie = "zizhu_staff"
    /// The login form's own CSRF secret (double submit): there is no session yet to hold one.
    static let loginCookie = "zizhu_login"
    /// Largest form body read; the dashboard's forms are a few hundred bytes.
    static let maxFormBytes = 16 * 1024

    /// Headers every staff page carries: never cached (a shared office PC keeps no copy of a
    /// page or an evidence photo), never framed, no resources but the hub's own.
    static func pageHeaders(styleHash: String) -> HTTPFields {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[HTTPField.Name("Pragma")!] = "no-cache"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        headers[.contentSecurityPolicy] =
            "default-src 'none'; style-src '\(styleHash)'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        return headers
    }

    static func html(_ status: HTTPResponse.Status, _ body: String, styleHash: String, cookies: [String] = []) -> Response {
        var headers = pageHeaders(styleHash: styleHash)
        for cookie in cookies { headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// 303 See Other: after a POST the browser GETs the next page.
    static func redirect(_ location: String, cookies: [String] = []) -> Response {
        var headers = HTTPFields()
        headers[.location] = location
        headers[.cacheControl] = "no-store"
        for cookie in cookies { headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return Response(status: .seeOther, headers: headers)
    }

    /// `name=value; Path=…; HttpOnly; SameSite=Strict[; Secure]`. No Max-Age: the browser drops it
    /// when it closes, and the hub ends the session on its own schedule anyway.
    static func cookie(_ name: String, _ value: String, path: String, secure: Bool) -> String {
        "\(name)=\(value); Path=\(path); HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }

    static func expiredCookie(_ name: String, path: String, secure: Bool) -> String {
        "\(name)=; Path=\(path); Max-Age=0; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }

    /// The value of cookie `name` in the request's Cookie headers.
    static func cookie(_ name: String, in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let trimmed = pair.trimmingCharacters(in: .whitespaces)
                guard let equals = trimmed.firstIndex(of: "=") else { continue }
                if trimmed[..<equals] == name { return String(trimmed[trimmed.index(after: equals)...]) }
            }
        }
        return nil
    }

    /// Reads an `application/x-www-form-urlencoded` body; nil if it is too large or not a form.
    static func form(_ request: Request) async -> FormFields? {
        guard let type = request.headers[.contentType]?.lowercased(), type.hasPrefix("application/x-www-form-urlencoded") else { return nil }
        guard let buffer = try? await request.body.collect(upTo: maxFormBytes) else { return nil }
        return FormFields(String(buffer: buffer))
    }
}

/// The fields of a URL-encoded form (or query string). Later duplicates lose; undecodable
/// percent-escapes leave the field out.
struct FormFields: Sendable, Equatable {
    private(set) var values: [String: String] = [:]

    init(_ encoded: String) {
        for pair in encoded.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(parts[0]), !name.isEmpty, values[name] == nil else { continue }
            guard let value = Self.decode(parts.count > 1 ? parts[1] : "") else { continue }
            values[name] = value
        }
    }

    subscript(_ name: String) -> String? { values[name] }

    private static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}

/// Escapes text for HTML element content and attribute values.
enum HTMLText {
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
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
