"""Request paths for the load benchmarks: one file per operation in WORK_DIR, one path per line,
drawn from the release's own codes (shuffled, fixed seed), for bench/rotate.lua to cycle through.

Usage: python3 bench/paths.py CONCORD_DB SYSTEM_URL WORK_DIR
"""
import sqlite3, sys, random, urllib.parse as u
db, system, work = sys.argv[1:]
c = sqlite3.connect(db)
cs = c.execute("SELECT id FROM code_system WHERE url = ? ORDER BY id DESC LIMIT 1", (system,)).fetchone()[0]
codes = [r[0] for r in c.execute("SELECT code FROM concept WHERE cs = ? AND active = 1", (cs,))]
edges = [r for r in c.execute("SELECT child, parent FROM is_a WHERE cs = ?", (cs,))]
random.seed(1); random.shuffle(codes); random.shuffle(edges)
s = u.quote(system, safe="")
# as many lines as the code list, so the trivial endpoint goes through the same rotation
open(f"{work}/health", "w").write("/health\n" * max(len(codes), 1))
open(f"{work}/lookup", "w").write("".join(f"/CodeSystem/$lookup?system={s}&code={u.quote(x)}\n" for x in codes))
# in the en-GB dialect (terms of related codes chosen from the GB language refset)
open(f"{work}/lookup-en-GB", "w").write("".join(f"/CodeSystem/$lookup?system={s}&code={u.quote(x)}&displayLanguage=en-GB\n" for x in codes))
# every property, including the generated SNOMED CT normal forms
open(f"{work}/lookup-all", "w").write("".join(f"/CodeSystem/$lookup?system={s}&code={u.quote(x)}&property=*\n" for x in codes))
open(f"{work}/validate", "w").write("".join(f"/CodeSystem/$validate-code?url={s}&code={u.quote(x)}\n" for x in codes))
open(f"{work}/subsumes", "w").write("".join(f"/CodeSystem/$subsumes?system={s}&codeA={u.quote(p)}&codeB={u.quote(ch)}\n" for ch, p in edges))
# typeahead: 2-3 word prefixes (3-5 letters) drawn from real terms, over the whole code system
terms = [r[0] for r in c.execute("SELECT term FROM designation WHERE cs = ? AND active = 1 LIMIT 200000", (cs,))]
random.shuffle(terms)
def prefixes(t):
    ws = [w for w in "".join(ch if ch.isalnum() else " " for ch in t.lower()).split() if len(w) >= 3]
    random.shuffle(ws)
    return [w[:random.randint(3, min(5, len(w)))] for w in ws[:random.randint(2, 3)]]
queries = [q for q in (prefixes(t) for t in terms[:50000]) if len(q) >= 2]
if system == "http://snomed.info/sct":
    vs = u.quote("http://snomed.info/sct?fhir_vs", safe="")
else:
    vs = None
if vs:
    open(f"{work}/typeahead", "w").write("".join(f"/ValueSet/$expand?url={vs}&filter={u.quote(' '.join(q))}&count=10\n" for q in queries))
open(f"{work}/search", "w").write("".join(f"/search?system={s}&q={u.quote(' '.join(q))}&limit=10\n" for q in queries))
# paged is-a expansions of concepts that have children
parents = list({p for _, p in edges})
random.shuffle(parents)
if vs:
    open(f"{work}/expand-isa", "w").write("".join(f"/ValueSet/$expand?url={u.quote('http://snomed.info/sct?fhir_vs=isa/' + p, safe='')}&count=20\n" for p in parents[:50000]))
mapped = [r[0] for r in c.execute("SELECT DISTINCT source_code FROM map_entry WHERE cs = ? AND refset = '447562003'", (cs,))]
random.shuffle(mapped)
m = u.quote("http://snomed.info/sct?fhir_cm=447562003", safe="")
if mapped:  # no map refset (e.g. ICD-10-CM): no $translate run
    open(f"{work}/translate", "w").write("".join(f"/ConceptMap/$translate?url={m}&system={s}&code={u.quote(x)}\n" for x in mapped))
print(f"{len(codes)} codes, {len(edges)} is-a edges, {len(mapped)} mapped codes of {system}")
