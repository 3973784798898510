-- Concord release store, format version 1. One schema for every code system family.
-- Every content table is keyed by the code system version (`cs`), so versions coexist.
-- Effective times are yyyymmdd text; '' marks unpublished RF2 content (newest).
-- Secondary indexes live in indexes.sql (bulk loads drop and rebuild them).

CREATE TABLE code_system (
    id              INTEGER PRIMARY KEY,
    url             TEXT NOT NULL,
    version         TEXT NOT NULL,
    family          TEXT NOT NULL,            -- snomed | icd10 | icd10cm | fhir
    name            TEXT,
    title           TEXT,
    status          TEXT,
    content         TEXT NOT NULL DEFAULT 'complete',
    edition_module  TEXT,                     -- SNOMED CT edition module id
    release_date    TEXT,                     -- yyyymmdd where known
    hierarchy_meaning TEXT,
    resource        TEXT,                     -- FHIR CodeSystem JSON without concept[], for read/search
    source          TEXT NOT NULL,
    UNIQUE (url, version)
);

CREATE TABLE concept (
    cs                INTEGER NOT NULL,
    code              TEXT NOT NULL,
    display           TEXT,
    active            INTEGER NOT NULL DEFAULT 1,
    effective_time    TEXT,
    module            TEXT,
    definition_status TEXT,
    kind              TEXT,
    seq               INTEGER,                -- definition order (FHIR, ICD); NULL for RF2
    PRIMARY KEY (cs, code)
) WITHOUT ROWID;

CREATE TABLE designation (
    cs                INTEGER NOT NULL,
    id                TEXT NOT NULL,          -- SNOMED description id, or code + '#' + n
    code              TEXT NOT NULL,
    language          TEXT,
    use_code          TEXT,                   -- SNOMED type id or FHIR designation use code
    term              TEXT NOT NULL,
    case_significance TEXT,
    active            INTEGER NOT NULL DEFAULT 1,
    effective_time    TEXT,
    module            TEXT,
    acceptability     TEXT,                   -- SNOMED: active language refset members, 'refset:acceptability …'
    -- Clustered by concept: a concept's designations share a page, so $lookup reads one range.
    PRIMARY KEY (cs, code, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX designation_id ON designation (cs, id);

CREATE TABLE property (
    cs     INTEGER NOT NULL,
    code   TEXT NOT NULL,
    name   TEXT NOT NULL,
    kind   TEXT NOT NULL,                     -- code | string | boolean | integer | decimal | dateTime | Coding
    value  TEXT NOT NULL
);

-- Direct is-a edges: SNOMED active inferred |is a|, ICD SuperClass, FHIR nesting/parent.
CREATE TABLE is_a (
    cs     INTEGER NOT NULL,
    child  TEXT NOT NULL,
    parent TEXT NOT NULL,
    PRIMARY KEY (cs, child, parent)
) WITHOUT ROWID;

CREATE TABLE relationship (
    cs             INTEGER NOT NULL,
    id             TEXT NOT NULL,
    source         TEXT NOT NULL,
    destination    TEXT,
    value          TEXT,                      -- concrete value as in RF2 (#5, "text")
    rel_group      INTEGER NOT NULL,
    type_id        TEXT NOT NULL,
    characteristic TEXT NOT NULL,
    modifier       TEXT NOT NULL,
    active         INTEGER NOT NULL,
    effective_time TEXT NOT NULL,
    module         TEXT NOT NULL,
    -- Clustered by source concept (one range per $lookup); ids stay unique for RF2 upserts.
    PRIMARY KEY (cs, source, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX relationship_id ON relationship (cs, id);

CREATE TABLE refset_member (
    cs             INTEGER NOT NULL,
    id             TEXT NOT NULL,
    refset         TEXT NOT NULL,
    component      TEXT NOT NULL,
    active         INTEGER NOT NULL,
    effective_time TEXT NOT NULL,
    module         TEXT NOT NULL,
    file_kind      TEXT NOT NULL,             -- RF2 summary: Language, Association, ExtendedMap, …
    pattern        TEXT NOT NULL,             -- extra-column pattern: c, iissscc, …
    fields         TEXT NOT NULL,             -- extra columns, tab-joined
    PRIMARY KEY (cs, id)
) WITHOUT ROWID;

-- Derived from map refset members after every SNOMED import (and from ConceptMaps later).
CREATE TABLE map_entry (
    cs            INTEGER NOT NULL,
    refset        TEXT NOT NULL,
    member_id     TEXT NOT NULL,
    source_code   TEXT NOT NULL,
    target_code   TEXT NOT NULL,              -- '' when the row maps to nothing
    map_group     INTEGER,
    map_priority  INTEGER,
    map_rule      TEXT,
    map_advice    TEXT,
    correlation   TEXT,
    category      TEXT,
    active        INTEGER NOT NULL,
    -- Clustered by source: a $translate reads one range.
    PRIMARY KEY (cs, refset, source_code, member_id)
) WITHOUT ROWID;

CREATE TABLE value_set (
    id       INTEGER PRIMARY KEY,
    url      TEXT NOT NULL,
    version  TEXT NOT NULL,
    name     TEXT,
    title    TEXT,
    status   TEXT,
    resource TEXT NOT NULL,
    source   TEXT NOT NULL,
    UNIQUE (url, version)
);

CREATE TABLE concept_map (
    id         INTEGER PRIMARY KEY,
    url        TEXT NOT NULL,
    version    TEXT NOT NULL,
    name       TEXT,
    title      TEXT,
    status     TEXT,
    source_uri TEXT,
    target_uri TEXT,
    resource   TEXT NOT NULL,
    source     TEXT NOT NULL,
    UNIQUE (url, version)
);
