//! HL7 v2: `concord v2 validate` on ER7 files (repetitions, both triplets, escapes, empty
//! components, batches with `\n` ends, a file without MSH) and `concord v2 listen` over MLLP
//! (a message split across TCP writes, AA / AE with ERR segments / AR, dead letters,
//! forwarding and a retried message forwarded once).

use crate::common::*;
use concord::v2::mllp::{Deframer, Frame, frame};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};

#[test]
fn v2_files_are_checked_field_by_field() {
    let d = sct_icd10cm_mini_data();
    let out = tmp();
    let results = out.path().join("results.ndjson");
    let dl = out.path().join("dl.ndjson");
    let run = concord(&[
        "v2",
        "validate",
        "--data",
        d.path().to_str().unwrap(),
        fixture("v2/adt-a08-diabetes.hl7").to_str().unwrap(),
        fixture("v2/batch.hl7").to_str().unwrap(),
        fixture("v2/not-a-message.hl7").to_str().unwrap(),
        "--out",
        results.to_str().unwrap(),
        "--dead-letter",
        dl.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(2), "{}", text(&run.stderr));
    assert!(
        text(&run.stderr).contains("in: 4 messages = 3 results (1 with errors) + 1 dead-letter"),
        "{}",
        text(&run.stderr)
    );
    let lines = ndjson_file(&results);
    let findings = |l: &Value| -> Vec<(String, String)> {
        l["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["location"].as_str().unwrap().to_string(),
                    f["severity"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    // The single message: a repeated DG1-3 whose both codes are right, an escaped display
    // that differs (a warning, both triplets), an empty DG1-3, a coded and a numeric OBX-5,
    // and LOINC, which is not loaded (information, not an error).
    assert_eq!(lines[0]["ack"], "AA");
    assert_eq!(
        findings(&lines[0]),
        [
            ("DG1[2]-3.1".to_string(), "W".to_string()),
            ("DG1[2]-3.4".into(), "W".into()),
            ("OBX[2]-3.1".into(), "I".into())
        ]
    );
    assert!(
        lines[0]["findings"][0]["text"]
            .as_str()
            .unwrap()
            .contains("'Type 2 diabetes & more'")
    );
    // The batch: the same message again, then one with an unknown and an inactive code, a
    // local coding system and an escaped wrong display.
    assert_eq!(lines[1]["controlId"], "MSG00001");
    assert_eq!(lines[2]["controlId"], "MSG00002");
    assert_eq!(lines[2]["ack"], "AE");
    assert_eq!(
        findings(&lines[2]),
        [
            ("DG1[1]-3.1".to_string(), "E".to_string()),
            ("DG1[2]-3.1".into(), "W".into()),
            ("DG1[3]-3.1".into(), "I".into()),
            ("OBX[1]-3.1".into(), "W".into())
        ]
    );
    assert!(
        lines[2]["findings"][3]["text"]
            .as_str()
            .unwrap()
            .contains("'Wrong words | here'")
    );
    let dead: Value = serde_json::from_str(
        std::fs::read_to_string(&dl)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert!(
        dead["source"]
            .as_str()
            .unwrap()
            .ends_with("not-a-message.hl7")
    );
    assert!(dead["reason"].as_str().unwrap().contains("MSH"));
    assert_eq!(
        dead["original"],
        std::fs::read_to_string(fixture("v2/not-a-message.hl7")).unwrap()
    );
}

/// A downstream MLLP peer that acknowledges everything and keeps what it got.
fn downstream() -> (String, Arc<Mutex<Vec<String>>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    let got = Arc::new(Mutex::new(Vec::new()));
    let g = got.clone();
    std::thread::spawn(move || {
        for c in l.incoming() {
            let mut c = c.unwrap();
            let mut d = Deframer::default();
            let mut buf = [0u8; 4096];
            loop {
                let n = c.read(&mut buf).unwrap_or(0);
                if n == 0 {
                    break;
                }
                for f in d.push(&buf[..n]) {
                    if let Frame::Message(m) = f {
                        g.lock().unwrap().push(String::from_utf8(m).unwrap());
                        c.write_all(&frame(b"MSH|^~\\&|DOWN\rMSA|AA|x\r")).unwrap();
                    }
                }
            }
        }
    });
    (addr, got)
}

fn read_ack(s: &mut TcpStream, d: &mut Deframer) -> String {
    let mut buf = [0u8; 4096];
    loop {
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0, "connection closed before the ACK");
        if let Some(Frame::Message(m)) = d.push(&buf[..n]).into_iter().next() {
            return String::from_utf8(m).unwrap();
        }
    }
}

fn msa(ack: &str) -> String {
    ack.split('\r')
        .find(|s| s.starts_with("MSA"))
        .unwrap()
        .to_string()
}

#[test]
fn the_mllp_listener_acks_dead_letters_and_forwards_once() {
    let d = sct_icd10cm_mini_data();
    let out = tmp();
    let dl = out.path().join("mllp-dl.ndjson");
    let (down, got) = downstream();
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_concord"))
        .args([
            "v2",
            "listen",
            "--data",
            d.path().to_str().unwrap(),
            "--mllp",
            &addr,
            "--forward",
            &down,
            "--dead-letter",
            dl.to_str().unwrap(),
        ])
        .env("CONCORD_LOG", "warn")
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut s = None;
    for _ in 0..200 {
        if let Ok(c) = TcpStream::connect(&addr) {
            s = Some(c);
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let mut s = s.expect("listener up");
    let mut d = Deframer::default();
    let text = std::fs::read_to_string(fixture("v2/batch.hl7")).unwrap();
    let msgs: Vec<String> = concord::v2::er7::split_messages(&text)
        .into_iter()
        .map(|m| m.2)
        .collect();

    // The first message, written in three pieces with pauses: one ACK, AA.
    let framed = frame(msgs[0].as_bytes());
    for piece in framed.chunks(framed.len() / 3 + 1) {
        s.write_all(piece).unwrap();
        s.flush().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(30));
    }
    let ack1 = read_ack(&mut s, &mut d);
    assert_eq!(msa(&ack1), "MSA|AA|MSG00001", "{ack1}");
    assert!(
        ack1.starts_with("MSH|^~\\&|CONCORD|CONCORD|GP|SURGERY|")
            || ack1.starts_with("MSH|^~\\&|CONCORD|CONCORD|EPR|"),
        "{ack1}"
    );

    // The second: AE, one ERR per finding that is not information, located as ERL.
    s.write_all(&frame(msgs[1].as_bytes())).unwrap();
    let ack2 = read_ack(&mut s, &mut d);
    assert_eq!(msa(&ack2), "MSA|AE|MSG00002");
    let errs: Vec<&str> = ack2.split('\r').filter(|x| x.starts_with("ERR")).collect();
    assert_eq!(errs.len(), 3, "{ack2}");
    assert!(
        errs[0].starts_with("ERR||DG1^1^3^1^1|103^Table value not found^HL70357|E|"),
        "{}",
        errs[0]
    );
    assert!(errs[1].contains("|W|"));

    // Not a message: AR.
    s.write_all(&frame(b"PID|1||123")).unwrap();
    assert!(msa(&read_ack(&mut s, &mut d)).starts_with("MSA|AR"));

    // A retry of the accepted message is acknowledged again but not forwarded twice.
    s.write_all(&frame(msgs[0].as_bytes())).unwrap();
    assert_eq!(msa(&read_ack(&mut s, &mut d)), "MSA|AA|MSG00001");
    assert_eq!(got.lock().unwrap().len(), 1);
    assert!(got.lock().unwrap()[0].contains("MSG00001"));

    // The rejected ones are on disk, with their bytes, before their ACKs left.
    let entries = ndjson_file(&dl);
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["message_id"], "MSG00002");
    assert_eq!(entries[0]["original"], msgs[1]);
    assert!(entries[1]["reason"].as_str().unwrap().contains("MSH"));
    let _ = child.kill();
    let _ = child.wait();
    assert!(Path::new(&dl).exists());
}
