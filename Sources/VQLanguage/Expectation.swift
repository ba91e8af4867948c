import VQModel
import VQSupport

/// What the grammar would accept where a statement's text ends, as the parser
/// notes it for Tab completion: the completer turns each into names.
public enum Expectation: Sendable {
    /// A statement's first word: `let`, `param`, `simulate` or a source.
    case statement
    /// A collection, a variable or `_`.
    case source
    /// A collection's name (what a mutation changes).
    case collection
    /// A stage keyword (`where`, `select`, …).
    case stage
    case keyword(String)
    /// A value over the rows of this pipeline so far (nil: a statement without rows).
    case value(Query?)
    /// A field after `a.b.`: the segments before the dot, and the pipeline they start from.
    case member([String], Query?)
    /// A lever name after `simulate … with`.
    case lever
    /// A stored field an update can set (after `update C set ` or a comma there).
    case settableField(CollectionName)
    /// A stored field an import's `map … as` can name, or `_`.
    case importField(CollectionName)
}
