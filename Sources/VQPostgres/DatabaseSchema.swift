import VQModel

/// The tables of a vq store in PostgreSQL, all in the schema `vq`: one per
/// collection, the settings, each collection's version, and the audit trail.
enum DatabaseSchema {
    /// Raised when the tables change shape; a database of another version is refused.
    static let version = 1

    static func quoted(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
    static func table(_ collection: CollectionName) -> String { "vq." + quoted(collection.rawValue) }

    /// A row whose record has fields outside its columns or another key order; an index finds any at once.
    static let unusual = "vq_keys IS NOT NULL OR vq_extra IS NOT NULL"

    /// Indexes on every reference field, made once the rows are in: the records of one
    /// contract (its costs, its KPIs' measurements) are then found without reading the rest.
    static var indexes: String {
        CollectionName.allCases.flatMap { c in
            c.spec.references.map { "CREATE INDEX \(c.rawValue)_\($0.field) ON \(table(c)) (\(quoted($0.field)));\n" }
        }.joined()
    }

    /// Every statement that makes the schema in an empty database.
    static var creation: String {
        var sql = """
        CREATE SCHEMA vq;
        CREATE TABLE vq.meta (schema_version integer NOT NULL, settings text);
        INSERT INTO vq.meta VALUES (\(version), NULL);
        -- Row and collection versions come from one sequence: a larger number is a later change.
        CREATE SEQUENCE vq.versions;
        -- next_pos: where the next new row goes; positions are never used twice, so an undo can put a row back where it was.
        CREATE TABLE vq.collections (name text PRIMARY KEY, version bigint NOT NULL, next_pos bigint NOT NULL DEFAULT 1);
        -- A row changed outside vq (psql, another tool) gets a new version, so vq notices.
        CREATE FUNCTION vq.stamp_row() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN NEW.vq_version := nextval('vq.versions'); RETURN NEW; END $$;
        CREATE FUNCTION vq.stamp_collection() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN UPDATE vq.collections SET version = nextval('vq.versions') WHERE name = TG_TABLE_NAME; RETURN NULL; END $$;
        CREATE TABLE vq.changes (
          change bigserial PRIMARY KEY,
          at timestamptz NOT NULL DEFAULT now(),
          who text NOT NULL,
          statement text NOT NULL,
          summary text NOT NULL,
          version bigint NOT NULL,
          undoes bigint REFERENCES vq.changes);
        CREATE TABLE vq.audit (
          change bigint NOT NULL REFERENCES vq.changes,
          collection text NOT NULL,
          pos bigint NOT NULL,
          record text NOT NULL,
          before json,
          after json);
        CREATE INDEX audit_change ON vq.audit (change);
        CREATE INDEX audit_record ON vq.audit (collection, pos, change);

        """
        for c in CollectionName.allCases {
            let codec = RowCodec(c)
            let columns = zip(codec.names, codec.kinds).map { "  \(quoted($0)) \($1.sqlType)" }
            sql += """
            CREATE TABLE \(table(c)) (
              vq_pos bigint PRIMARY KEY,
              vq_version bigint NOT NULL,
            \(columns.joined(separator: ",\n")),
              vq_keys json,
              vq_extra json);
            CREATE INDEX \(c.rawValue)_unusual ON \(table(c)) (vq_pos) WHERE \(unusual);
            CREATE TRIGGER stamp_row BEFORE UPDATE ON \(table(c)) FOR EACH ROW EXECUTE FUNCTION vq.stamp_row();
            CREATE TRIGGER stamp_collection AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON \(table(c))
              FOR EACH STATEMENT EXECUTE FUNCTION vq.stamp_collection();
            INSERT INTO vq.collections VALUES ('\(c.rawValue)', nextval('vq.versions'), 1);

            """
        }
        return sql
    }
}
