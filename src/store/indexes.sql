-- Secondary indexes. A bulk RF2 load drops them, loads sorted rows, and runs this file again:
-- building an index from sorted data is far cheaper than maintaining it row by row.
CREATE INDEX IF NOT EXISTS concept_by_code ON concept (code);
CREATE INDEX IF NOT EXISTS property_by_code ON property (cs, code);
CREATE INDEX IF NOT EXISTS is_a_by_parent ON is_a (cs, parent, child);
CREATE INDEX IF NOT EXISTS refset_member_by_component ON refset_member (cs, component);
CREATE INDEX IF NOT EXISTS map_entry_by_target ON map_entry (cs, refset, target_code);
-- Members by refset for ECL `^` and refset/X value sets; language refsets (9 in 10 rows at
-- International scale, and never an ECL focus in practice) are left out to keep import cheap.
CREATE INDEX IF NOT EXISTS refset_member_by_refset ON refset_member (cs, refset, active, component) WHERE file_kind <> 'Language';
