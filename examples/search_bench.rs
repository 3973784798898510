//! Micro-benchmark of the typeahead term index without HTTP: every query of a file (one filter
//! text per line, or `$expand` paths whose `filter=` is taken) is searched against the first
//! code system version of a release's index file, scoped to concepts with a row, ranked for the
//! en-US dialect, 10 hits. Prints the distribution of time per query and the slowest queries.
//! `cargo run --release --example search_bench -- DATA_DIR QUERIES [ROUNDS]`.

use concord::index::file::IndexFile;
use concord::index::hierarchy::Hierarchy;
use concord::index::terms::TermIndex;
use std::time::Instant;

const EN_US: &str = "900000000000509007";

/// A dialect, a scope, an offset and a limit.
type Variant<'a> = (Option<&'a str>, &'a dyn Fn(u32) -> bool, usize, usize);

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(data), Some(queries)) = (args.next(), args.next()) else {
        eprintln!("usage: search_bench DATA_DIR QUERIES [ROUNDS]");
        std::process::exit(2);
    };
    let rounds: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(1);
    let release = concord::import::status(std::path::Path::new(&data))
        .expect("data directory")
        .expect("a published release");
    let file = IndexFile::open(&release.index_path()).expect("index file");
    let cs = (1..1000)
        .find(|cs| file.part(&format!("cs/{cs}/terms")).is_some())
        .expect("a term index");
    let (hp, tp) = (format!("cs/{cs}/hierarchy"), format!("cs/{cs}/terms"));
    let h = Hierarchy::open(&file.part(&hp).expect("hierarchy")).expect("hierarchy");
    let terms = TermIndex::open(&file.part(&tp).expect("terms")).expect("terms");
    let filters: Vec<String> = std::fs::read_to_string(&queries)
        .expect("queries")
        .lines()
        .map(|l| match l.split_once("filter=") {
            Some((_, rest)) => {
                let raw = rest.split('&').next().unwrap_or_default();
                form_urlencoded::parse(format!("f={raw}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default()
            }
            None => l.to_string(),
        })
        .collect();
    let accept = |c: u32| h.has_row_at(c);
    // SEARCH_DUMP=FILE writes every answer in three variants (en-US top 10; no dialect, page
    // 5..12; a scope leaving out every seventh concept), to compare two builds' answers.
    if let Ok(dump) = std::env::var("SEARCH_DUMP") {
        use std::io::Write;
        let mut out = std::io::BufWriter::new(std::fs::File::create(dump).expect("dump file"));
        let sparse = |c: u32| h.has_row_at(c) && !c.is_multiple_of(7);
        for q in &filters {
            let variants: [Variant; 3] = [
                (Some(EN_US), &accept, 0, 10),
                (None, &accept, 5, 7),
                (Some("900000000000508004"), &sparse, 0, 10),
            ];
            for (dialect, scope, offset, limit) in variants {
                let f = terms.search(q, dialect, scope, offset, limit);
                writeln!(out, "{q}\t{}\t{:?}", f.total, f.hits).expect("dump");
            }
        }
    }
    let mut times: Vec<(u128, usize)> = Vec::new();
    let mut totals = 0usize;
    for round in 0..rounds {
        for (i, q) in filters.iter().enumerate() {
            let t0 = Instant::now();
            let found = terms.search(q, Some(EN_US), &accept, 0, 10);
            let ns = t0.elapsed().as_nanos();
            totals = totals.wrapping_add(found.total);
            if round + 1 == rounds {
                times.push((ns, i));
            }
        }
    }
    let mut sorted: Vec<u128> = times.iter().map(|t| t.0).collect();
    sorted.sort_unstable();
    let n = sorted.len().max(1);
    let at = |p: f64| sorted[((n as f64 * p) as usize).min(n - 1)] / 1000;
    let sum: u128 = sorted.iter().sum();
    println!(
        "queries={n} mean_us={} p50_us={} p90_us={} p99_us={} max_us={} (checksum {totals})",
        sum / n as u128 / 1000,
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0)
    );
    let top10: u128 = sorted[n - n / 10..].iter().sum();
    println!(
        "slowest 10% of queries: {}% of the time",
        top10 * 100 / sum.max(1)
    );
    times.sort_unstable_by(|a, b| b.cmp(a));
    for (ns, i) in times.iter().take(8) {
        println!("  {:>8} us  {:?}", ns / 1000, filters[*i]);
    }
}
