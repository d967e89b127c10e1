import CertificateVerification
import Foundation
import HubClient
import Journal
import KioskCore
import Liveness
import KioskSession
import Logging
import ReceiptPrinting
import TextConsole
import ZizhuConfiguration

/// Wires the citizen session to this kiosk's devices, journal and hub.
func makeSessionService(settings: KioskConfiguration, texts: SessionTexts, catalogue: ServiceCatalogue, journal: AppDatabase,
                        refresh: Duration, logger: Logger) throws -> KioskSessionService {
    let devices = DeviceSupervisor(survey: DeviceSurvey(settings: settings), refresh: refresh, logger: logger)
    let printer = CUPSReceiptPrinter(connection: CUPSConnection(server: settings.cupsServer), queue: settings.receiptQueue,
                                     timing: PrintTiming(giveUpAfter: .seconds(90)), logger: logger)
    let printing = CertificatePrinting(printer: printer, renderer: .receipt(ESCPOSRenderer(paper: .mm80)), hubBaseURL: settings.hubURL)
    let identity = try enrolledIdentity(settings)
    var signer: (any CertificateSigner)?
    var records: (@Sendable (CardHolder) async -> RecordsAnswer)?
    var hub: HubConnection?
    if let identity {
        // The certificate is signed with the key the hub enrolled, so the hub can verify it.
        signer = try Ed25519CertificateSigner(keyFile: KioskIdentityFiles.keyPath(settings))
        let connection = try HubConnection(
            baseURL: settings.hubURL, httpClient: HubConnection.httpClient(trustingCertificateAt: settings.hubCACertificate),
            timeout: .seconds(10), signer: KioskSigningMiddleware(key: identity.key, deviceID: identity.deviceID))
        records = { holder in await HubRecords.fetch(connection, holder: holder) }
        hub = connection
    } else {
        logger.notice("not enrolled with a hub: services that need the hub's records are unavailable")
    }
    let speaker: any Speaker
    switch settings.speech {
    case .espeak: speaker = EspeakSpeaker(transcriptPath: settings.speechTranscript)
    case .off: speaker = RecordingSpeaker(transcriptPath: settings.speechTranscript)
    }
    let effects = KioskSessionEffects(settings: settings, devices: devices, journal: journal, printing: printing, records: records,
                                      signer: signer, kioskID: identity?.deviceID ?? "unenrolled", hub: hub,
                                      camera: KioskCamera(source: settings.cameraSource, demoPlan: settings.cameraDemoPlan ? KioskCamera.demoPlan : nil),
                                      speaker: speaker, logger: logger)
    let program = KioskSessionProgram(effects: effects, texts: texts, catalogue: catalogue, office: settings.office,
                                      timing: SessionTiming(idleAfter: .seconds(settings.idleSeconds), warningSeconds: settings.idleWarningSeconds))
    var background: [@Sendable () async -> Void] = []
    if let hub {
        // Hospitals and places as of the last hour, so a booking can be requested while the hub is away.
        background.append { await BookingCache(journal: journal).keepFresh(from: hub, logger: logger) }
    }
    return KioskSessionService(program: program, devices: devices, speaker: speaker, fonts: settings.xtermFonts ? TerminalFonts() : nil,
                               background: background, logger: logger)
}

/// Today's date in the kiosk's time zone (China Standard Time unless TZ says otherwise).
enum Today {
    static func date() -> CalendarDate {
        let parts = Calendar.current.dateComponents([.year, .month, .day], from: Date())
        return CalendarDate(year: parts.year ?? 1970, month: parts.month ?? 1, day: parts.day ?? 1)
    }

    static func yearMonth() -> YearMonth {
        let date = date()
        return YearMonth(year: date.year, month: date.month)
    }
}
