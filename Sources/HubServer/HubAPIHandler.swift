import HubAPI

/// The hub's implementation of the generated `APIProtocol`: one method per operation in openapi.yaml.
struct HubAPIHandler: APIProtocol {
    func getHealth(_ input: Operations.GetHealth.Input) async throws -> Operations.GetHealth.Output {
        .ok(.init(body: .json(.init(status: .ok, version: ZizhuVersion.current))))
    }
}
