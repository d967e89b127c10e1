import KioskCore
import Testing

@Suite struct ServiceCatalogueTests {
    let catalogue = ServiceCatalogue(services: [
        ServiceEntry(id: "print-certificate", title: "打印参保证明", needs: [.cardReader, .printer, .hub], worksOffline: false),
        ServiceEntry(id: "health-check-booking", title: "预约退休体检", needs: [.cardReader, .printer, .hub], worksOffline: true),
        ServiceEntry(id: "rate-service", title: "服务评价", needs: [], worksOffline: true),
    ])

    @Test func everythingAvailableWhenHealthy() {
        let health = KioskHealth(cardReader: true, printer: true, camera: true, hub: true)
        #expect(catalogue.availability(under: health).map(\.1) == [.available, .available, .available])
    }

    @Test func offlineServicesAreSavedForLater() {
        let health = KioskHealth(cardReader: true, printer: true, camera: true, hub: false)
        #expect(catalogue.availability(under: health).map(\.1) == [
            .unavailable(missing: [.hub]), .availableOffline, .available,
        ])
    }

    @Test func aMissingDeviceNamesWhatIsMissing() {
        let health = KioskHealth(cardReader: true, printer: false, camera: true, hub: false)
        #expect(catalogue.availability(under: health).map(\.1) == [
            .unavailable(missing: [.printer, .hub]), .unavailable(missing: [.printer]), .available,
        ])
    }
}
