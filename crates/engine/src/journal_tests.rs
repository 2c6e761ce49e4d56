use super::*;
use chrono::Utc;
use std::sync::Arc;

fn sending(row: usize) -> Record {
    Record::Sending {
        row,
        attempt: 1,
        at: Utc::now(),
    }
}

fn header() -> Record {
    Record::Job {
        job: "j".into(),
        version: VERSION,
        target: "t".into(),
        source: None,
        rows: 3,
        at: Utc::now(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_appends_are_all_durable_and_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jobs/j.jsonl");
    let journal = Arc::new(Journal::create(&path, &[header()]).unwrap());
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let j = journal.clone();
            tokio::spawn(async move { j.append(&sending(i)).await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let replay = read(&path).unwrap();
    assert!(!replay.torn_tail);
    assert_eq!(replay.records.len(), 201);
    assert!(matches!(&replay.records[0], Record::Job { job, .. } if job == "j"));
    let mut rows: Vec<usize> = replay.records.iter().filter_map(Record::row).collect();
    rows.sort();
    assert_eq!(rows, (0..200).collect::<Vec<_>>());
}

#[test]
fn a_torn_last_line_is_ignored_and_cut_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.jsonl");
    drop(Journal::create(&path, &[header(), sending(0)]).unwrap());
    let whole = std::fs::read(&path).unwrap();
    let mut torn = whole.clone();
    torn.extend_from_slice(br#"{"event":"done","row":0,"transa"#);
    std::fs::write(&path, &torn).unwrap();
    let replay = read(&path).unwrap();
    assert!(replay.torn_tail);
    assert_eq!(replay.records.len(), 2);
    assert_eq!(replay.good_len, whole.len() as u64);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let journal = Journal::open(&path, &replay).unwrap();
    rt.block_on(journal.append(&sending(1))).unwrap();
    drop(journal);
    let again = read(&path).unwrap();
    assert!(!again.torn_tail);
    assert_eq!(again.records.len(), 3);
    assert_eq!(again.records[2].row(), Some(1));
}

#[test]
fn a_complete_but_unterminated_last_line_counts_as_torn() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.jsonl");
    drop(Journal::create(&path, &[header()]).unwrap());
    let mut bytes = std::fs::read(&path).unwrap();
    let mut line = serde_json::to_vec(&sending(0)).unwrap();
    bytes.append(&mut line);
    std::fs::write(&path, &bytes).unwrap();
    // The newline never reached the disk, so neither did the fsync that would follow it.
    let replay = read(&path).unwrap();
    assert!(replay.torn_tail);
    assert_eq!(replay.records.len(), 1);
}

#[test]
fn corruption_before_the_end_is_an_error_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.jsonl");
    drop(Journal::create(&path, &[header(), sending(0)]).unwrap());
    let text = std::fs::read_to_string(&path).unwrap();
    let broken =
        text.replacen("\"sending\"", "\"sendi", 1) + &serde_json::to_string(&sending(1)).unwrap() + "\n";
    std::fs::write(&path, broken).unwrap();
    match read(&path) {
        Err(JournalError::Corrupt { line, .. }) => assert_eq!(line, 2),
        other => panic!("expected corruption, got {other:?}"),
    }
}

#[test]
fn a_second_writer_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.jsonl");
    let first = Journal::create(&path, &[header()]).unwrap();
    let replay = read(&path).unwrap();
    assert!(matches!(
        Journal::open(&path, &replay),
        Err(JournalError::Locked { .. })
    ));
    drop(first);
    assert!(Journal::open(&path, &replay).is_ok());
    assert!(matches!(
        Journal::create(&path, &[header()]),
        Err(JournalError::Io { .. })
    ));
}

#[test]
fn a_journal_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.jsonl");
    drop(Journal::create(&path, &[header()]).unwrap());
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{mode:o}");
}
