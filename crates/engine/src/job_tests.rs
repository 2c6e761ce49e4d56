use super::*;
use flexwallet_bulk::test_support::*;

#[test]
fn a_new_job_creates_its_journal_and_a_rerun_continues_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jobs/x.jsonl");
    let plan = simple_plan(3);
    let p = prepare(&plan, &path, false).unwrap();
    assert!(!p.resumed);
    assert_eq!(p.to_send(), 3);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let at = Utc::now();
        p.journal
            .append(&Record::Sending {
                row: 0,
                attempt: 1,
                at,
            })
            .await
            .unwrap();
        p.journal
            .append(&Record::Done {
                row: 0,
                transaction_id: Some("wtxn_1".into()),
                invoice_id: None,
                credit_balance: Some(d("110")),
                balance: Some(d("110")),
                already_applied: false,
                at,
            })
            .await
            .unwrap();
        p.journal
            .append(&Record::Sending {
                row: 1,
                attempt: 1,
                at,
            })
            .await
            .unwrap();
        p.journal
            .append(&Record::Sending {
                row: 2,
                attempt: 1,
                at,
            })
            .await
            .unwrap();
        p.journal
            .append(&Record::Deferred {
                row: 2,
                error: "429".into(),
                at,
            })
            .await
            .unwrap();
    });
    drop(p);
    let q = prepare(&plan, &path, true).unwrap();
    assert!(q.resumed);
    assert_eq!(q.rows, plan.rows);
    assert_eq!(q.states[0].status, RowStatus::Done);
    assert_eq!(q.states[0].transaction_id.as_deref(), Some("wtxn_1"));
    assert_eq!(q.states[1].status, RowStatus::InFlight);
    assert!(q.states[1].maybe_applied);
    assert_eq!(q.states[1].attempts, 1);
    assert_eq!(q.states[2].status, RowStatus::Pending);
    assert!(!q.states[2].maybe_applied);
    assert_eq!(q.to_send(), 2);
}

#[test]
fn resume_needs_a_journal_of_the_same_job() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.jsonl");
    assert!(matches!(
        prepare(&simple_plan(2), &path, true),
        Err(PrepareError::NothingToResume { .. })
    ));
    drop(prepare(&simple_plan(2), &path, false).unwrap());
    match prepare(&simple_plan(3), &path, false) {
        Err(e @ PrepareError::JobMismatch { .. }) => assert!(e.to_string().contains("belongs to job")),
        other => panic!("expected a job mismatch, got {other:?}"),
    }
}

#[test]
fn the_journal_request_wins_over_a_rebuilt_plan() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.jsonl");
    let plan = simple_plan(1);
    drop(prepare(&plan, &path, false).unwrap());
    let mut later = plan.clone();
    later.rows[0].request.expiry_date_utc = Some(now());
    let p = prepare(&later, &path, false).unwrap();
    assert_eq!(p.rows[0].request, plan.rows[0].request);
}

#[test]
fn a_journal_torn_while_being_created_is_started_afresh() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.jsonl");
    let plan = simple_plan(3);
    drop(prepare(&plan, &path, false).unwrap());
    let text = std::fs::read_to_string(&path).unwrap();
    let cut = text.len() - 40;
    std::fs::write(&path, &text[..cut]).unwrap();
    let p = prepare(&plan, &path, false).unwrap();
    assert!(!p.resumed);
    drop(p);
    assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 4);
}

#[test]
fn credits_of_another_recent_job_are_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let first = simple_plan(3);
    let p = prepare(&first, &dir.path().join(format!("{}.jsonl", first.job)), false).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let done = |row| Record::Done {
            row,
            transaction_id: None,
            invoice_id: None,
            credit_balance: None,
            balance: None,
            already_applied: false,
            at: Utc::now(),
        };
        p.journal.append(&done(0)).await.unwrap();
        p.journal.append(&done(2)).await.unwrap();
    });
    drop(p);
    // The operator fixed something and re-ran: a different job with the same first rows.
    let edited = simple_plan(4);
    assert_ne!(edited.job, first.job);
    let since = Utc::now() - chrono::Duration::days(7);
    let prior = recent_credits(dir.path(), since, &edited.job);
    assert_eq!(prior.len(), 2);
    let warnings = repeat_warnings(&edited, &prior);
    assert_eq!(warnings.iter().map(|w| w.line).collect::<Vec<_>>(), vec![2, 4]);
    assert!(warnings[0].message.contains(&first.job));
    // Its own journal never counts, and old credits are out of the window.
    assert!(recent_credits(dir.path(), since, &first.job).is_empty());
    assert!(recent_credits(dir.path(), Utc::now() + chrono::Duration::hours(1), &edited.job).is_empty());
}

#[test]
fn credits_whose_outcome_is_unknown_are_flagged_as_maybe_and_refusals_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let first = simple_plan(4);
    let path = dir.path().join(format!("{}.jsonl", first.job));
    let p = prepare(&first, &path, false).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let at = Utc::now();
        let sending = |row| Record::Sending { row, attempt: 1, at };
        for row in 0..4 {
            p.journal.append(&sending(row)).await.unwrap();
        }
        // Row 0: the job died with it in flight. Row 1: no answer. Row 2: refused. Row 3: sent
        // again after a 5xx, and refused the second time.
        p.journal
            .append(&Record::Unknown {
                row: 1,
                error: "no answer".into(),
                at,
            })
            .await
            .unwrap();
        for row in [2, 3] {
            p.journal
                .append(&Record::Failed {
                    row,
                    http_status: Some(400),
                    error: "invalid".into(),
                    at,
                })
                .await
                .unwrap();
        }
    });
    drop(p);
    let edited = simple_plan(5);
    let since = Utc::now() - chrono::Duration::days(7);
    let prior = recent_credits(dir.path(), since, &edited.job);
    assert_eq!(
        prior.iter().map(|c| c.maybe).collect::<Vec<_>>(),
        vec![true, true]
    );
    let warnings = repeat_warnings(&edited, &prior);
    assert_eq!(warnings.iter().map(|w| w.line).collect::<Vec<_>>(), vec![2, 3]);
    assert!(
        warnings[0].message.contains("may already have been credited"),
        "{}",
        warnings[0]
    );
    assert!(
        warnings[0].message.contains(&path.display().to_string()),
        "{}",
        warnings[0]
    );
}

#[test]
fn a_journal_that_cannot_be_read_is_a_repeat_problem_and_a_stray_file_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let plan = simple_plan(2);
    let other = simple_plan(3);
    let path = dir.path().join(format!("{}.jsonl", other.job));
    drop(prepare(&other, &path, false).unwrap());
    // Damage a line before the end: not a torn last line, a journal that cannot be trusted.
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[1] = "{not json";
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    std::fs::write(dir.path().join("notes.jsonl"), "{\"hello\":1}\n{oops\n").unwrap();
    // The directory alone (repeats() also reads the user's default jobs directory).
    let (credits, problems) = scan(dir.path(), Utc::now() - chrono::Duration::days(7), &plan.job);
    assert!(credits.is_empty());
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].message.contains("cannot be read"), "{}", problems[0]);
    assert!(problems[0].message.contains(&other.job), "{}", problems[0]);
}

#[test]
fn a_second_run_of_a_held_job_is_refused_and_leaves_its_journal_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.jsonl");
    let plan = simple_plan(3);
    let first = prepare(&plan, &path, false).unwrap();
    // The running job's journal as a second run may find it: only its header and two of its
    // three planned rows (as while it is being created), which alone looks like a crash.
    let text = std::fs::read_to_string(&path).unwrap();
    let three_lines: String = text.split_inclusive('\n').take(3).collect();
    std::fs::write(&path, &three_lines).unwrap();
    let inode = std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&path).unwrap());
    for resume in [false, true] {
        match prepare(&plan, &path, resume) {
            Err(PrepareError::Journal(e @ JournalError::Locked { .. })) => {
                let text = e.to_string();
                assert!(
                    text.contains(&format!("process {}", std::process::id())),
                    "{text}"
                );
            }
            other => panic!("expected the job to be locked, got {other:?}"),
        }
    }
    assert_eq!(std::fs::read_to_string(&path).unwrap(), three_lines);
    assert_eq!(
        std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&path).unwrap()),
        inode,
        "the journal was not replaced"
    );
    // Once the first run ends, the half-created journal is started afresh as before.
    drop(first);
    let again = prepare(&plan, &path, false).unwrap();
    assert!(!again.resumed);
}

#[test]
fn a_journal_held_by_an_older_run_without_a_lock_file_is_not_removed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.jsonl");
    let plan = simple_plan(3);
    drop(prepare(&plan, &path, false).unwrap());
    let text = std::fs::read_to_string(&path).unwrap();
    let three_lines: String = text.split_inclusive('\n').take(3).collect();
    std::fs::write(&path, &three_lines).unwrap();
    // Only the journal itself is locked, as a flexwallet before the lock file did.
    let held = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .unwrap();
    held.try_lock().unwrap();
    assert!(matches!(
        prepare(&plan, &path, false),
        Err(PrepareError::Journal(JournalError::Locked { holder: None, .. }))
    ));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), three_lines);
}

#[test]
fn a_discarded_job_leaves_neither_journal_nor_lock() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.jsonl");
    let p = prepare(&simple_plan(2), &path, false).unwrap();
    assert!(crate::lock::lock_path(&path).exists());
    p.discard().unwrap();
    assert!(!path.exists());
    assert!(!crate::lock::lock_path(&path).exists());
}
