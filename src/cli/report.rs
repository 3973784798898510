//! `concord import` and `concord status`: what a run published and what a data directory holds.

use crate::import;

pub(crate) fn print_import(r: &import::ImportReport) {
    for s in &r.sources {
        println!("{} ({}): {} rows", s.path, s.kind, s.total_rows);
        for (file, n) in &s.rows {
            println!("  {n:>10}  {file}");
        }
        for (url, version, n) in &s.code_systems {
            println!("  code system {url}|{version}: {n} concepts");
        }
        for n in &s.notes {
            println!("  note: {n}");
        }
        for w in &s.warnings {
            println!("  warning: {w}");
        }
    }
    println!(
        "published release {} in {:.2} s",
        r.release.dir.display(),
        r.seconds
    );
    println!(
        "index: {} code system versions, {:.1} MB ({})",
        r.indexed.versions,
        r.indexed.bytes as f64 / 1e6,
        r.release.index_path().display()
    );
    println!("table counts:");
    for (t, n) in &r.release.manifest.counts {
        println!("  {t:<14} {n:>10}");
    }
}

pub(crate) fn print_status(release: &import::release::Release) {
    let m = &release.manifest;
    println!(
        "release {} (format {}, created {})",
        release.dir.display(),
        m.format_version,
        m.created
    );
    println!("code systems ({}):", m.code_systems.len());
    for c in &m.code_systems {
        println!(
            "  {:<8} {}|{}  {} concepts",
            c.family, c.url, c.version, c.concepts
        );
    }
    println!("counts:");
    for (t, n) in &m.counts {
        println!("  {t:<14} {n:>10}");
    }
    println!("sources:");
    for s in &m.sources {
        println!(
            "  {} ({}, {} bytes, sha256 {})",
            s.path,
            s.kind,
            s.bytes,
            &s.sha256[..16]
        );
    }
}
