import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The element tree of an OpenCV XML storage file: names, children and text, nothing else
/// (OpenCV's cascades carry no meaning in attributes except `type_id`).
final class CascadeXMLElement {
    let name: String
    let attributes: [String: String]
    var children: [CascadeXMLElement] = []
    var text = ""

    init(name: String, attributes: [String: String]) {
        self.name = name
        self.attributes = attributes
    }

    /// The first child with this name, as OpenCV's `FileNode::operator[]` finds it.
    func child(_ name: String) -> CascadeXMLElement? {
        children.first { $0.name == name }
    }

    /// Parses a whole document; limits the depth so a hostile file cannot exhaust the stack.
    static func parse(_ data: Data) throws(CascadeLoadError) -> CascadeXMLElement {
        let builder = TreeBuilder()
        let parser = XMLParser(data: data)
        parser.shouldProcessNamespaces = false
        parser.shouldResolveExternalEntities = false
        parser.delegate = builder
        let ok = parser.parse()
        if let failure = builder.failure { throw failure }
        // A document that stops inside an element is not complete, whatever the parser says.
        if ok, let open = builder.stack.last {
            throw .malformedXML(line: parser.lineNumber, column: parser.columnNumber, reason: "the document ends inside <\(open.name)>")
        }
        guard ok, let root = builder.root else {
            let error = parser.parserError.map { String(describing: $0) } ?? "the parser stopped"
            throw .malformedXML(line: parser.lineNumber, column: parser.columnNumber, reason: error)
        }
        return root
    }

    private final class TreeBuilder: NSObject, XMLParserDelegate {
        static let maximumDepth = 32
        var root: CascadeXMLElement?
        var stack: [CascadeXMLElement] = []
        var failure: CascadeLoadError?

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                    qualifiedName: String?, attributes: [String: String]) {
            let element = CascadeXMLElement(name: elementName, attributes: attributes)
            if let parent = stack.last {
                parent.children.append(element)
            } else if root == nil {
                root = element
            }
            stack.append(element)
            if stack.count > Self.maximumDepth {
                failure = .tooLarge("elements nested deeper than \(Self.maximumDepth)")
                parser.abortParsing()
            }
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
            _ = stack.popLast()
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            stack.last?.text += string
        }
    }
}
