*** Settings ***
Documentation     The main job end to end: robots/tasks/triage_inbox.robot run as a user runs it.
...
...               Each run is a separate ``python -m robot`` process against the sandbox that
...               the acceptance runner started (REINFER_URL and REINFER_TOKEN in the
...               environment), on triggers created for this suite only, so other suites
...               reading ``routing`` are not disturbed. The outputs are checked on disk:
...               one work item per demo comment across all queue folders (the exceptions
...               queue included), the report files and the summary in the log, the
...               exceptions tagged on the trigger, the trigger read to its end, nothing new
...               on a second run, nothing lost or doubled when a run dies before advancing,
...               and one bad comment (a refused tag, a label without a queue) never stopping
...               the stream. ``make demo``'s entry, robots/run_demo.py, runs on sandboxes of
...               its own.

Library           Collections
Library           OperatingSystem
Library           Process
Library           String
Library           ReinferLibrary
Library           resources/RobotOutput.py
Resource          resources/common.resource
Resource          resources/triage_runs.resource
Resource          ../../robots/resources/routing.resource

Suite Setup       Create Triggers For This Suite
Suite Teardown    Delete Triggers Of This Suite

Test Tags         main-job


*** Variables ***
${THRESHOLDS_FILE}     ${{ os.path.normpath(r'${CURDIR}/../../robots/config/thresholds.yaml') }}
${CRASH_LISTENER}      ${CURDIR}/resources/CrashBeforeAdvance.py
${CRASH_EXIT_CODE}     ${70}
${BATCH_SIZE}          ${32}
${SUFFIX}              ${{ uuid.uuid4().hex[:8] }}
${TRIGGER}             main-job-${SUFFIX}
${CRASH_TRIGGER}       main-job-crash-${SUFFIX}
${KILL_TRIGGER}        main-job-kill-${SUFFIX}
${REFUSED_TRIGGER}     main-job-refused-${SUFFIX}
${FAILING_TRIGGER}     main-job-failing-${SUFFIX}
${NO_QUEUE_TRIGGER}    main-job-no-queue-${SUFFIX}
${ENV_TRIGGER}         main-job-env-${SUFFIX}
@{TRIGGERS}
...                    ${TRIGGER}    ${CRASH_TRIGGER}    ${KILL_TRIGGER}    ${REFUSED_TRIGGER}
...                    ${FAILING_TRIGGER}    ${NO_QUEUE_TRIGGER}    ${ENV_TRIGGER}
${WORK}                %{ACCEPTANCE_WORK_DIR=${OUTPUT_DIR}}/main_job_${SUFFIX}
${NO_QUEUE_REASON}
...                    Business error (no queue): no queue for label 'Praise' in QUEUE_FOR_LABEL (routing.resource); add one or give the label no threshold.


*** Test Cases ***
The Main Job Routes Every Demo Comment Exactly Once
    ${result}=    Run Triage Task    ${TRIGGER}    first    ${WORK}/first/queues
    Should Be Equal As Integers    ${result.rc}    0    The task failed: see ${WORK}/first/log.html
    ${uids}=    Work Item Uids    ${WORK}/first/queues
    Length Should Be    ${uids}    ${DEMO_COMMENTS}
    List Should Not Contain Duplicates    ${uids}
    ${report}=    Read Report    ${WORK}/first
    Should Be Equal As Integers    ${report}[comments]    ${DEMO_COMMENTS}
    Should Be Equal As Integers    ${{ $report['routed'] + $report['exceptions'] }}    ${DEMO_COMMENTS}
    Should Be Equal As Integers    ${report}[redelivered]    0
    Should Be True    ${report}[end_of_stream]
    Should Be Equal As Integers    ${report}[model_version]    1    The thresholds file pins version 1.
    Should Be Equal    ${report}[queue_dir]    ${{ os.path.realpath($WORK + '/first/queues') }}
    Should Be True    ${report}[exceptions] > 0    The demo inbox has comments no label clears.
    ${exceptions}=    Count Files In Directory    ${WORK}/first/queues/exceptions    *.json
    Should Be Equal As Integers    ${exceptions}    ${report}[exceptions]

The Report CSV Counts What Is On Disk
    ${rows}=    Read Report CSV    ${WORK}/first
    Should Be Equal    ${rows}[0]    ${{ ["queue", "this_run", "on_disk"] }}
    Should Be Equal    ${rows}[-1]    ${{ ["TOTAL", str($DEMO_COMMENTS), str($DEMO_COMMENTS)] }}
    ${folders}=    List Directories In Directory    ${WORK}/first/queues
    ${queues}=    Evaluate    [row[0] for row in $rows[1:-1]]
    Lists Should Be Equal    ${queues}    ${folders}    ignore_order=True
    FOR    ${row}    IN    @{rows}[1:-1]
        ${files}=    Count Files In Directory    ${WORK}/first/queues/${row}[0]    *.json
        Should Be Equal As Integers    ${row}[1]    ${files}    Queue ${row}[0], this run.
        Should Be Equal As Integers    ${row}[2]    ${files}    Queue ${row}[0], on disk.
    END

The Log Has The Summary Line
    ${report}=    Read Report    ${WORK}/first
    ${messages}=    Get Log Messages    ${WORK}/first/output.xml
    List Should Contain Value
    ...    ${messages}
    ...    Triaged ${DEMO_COMMENTS} comment(s) in ${report}[seconds] s (${report}[comments_per_second]/s) with model version 1: ${report}[routed] routed, ${report}[exceptions] exception(s), end of stream: True.
    ${tables}=    Evaluate    [m for m in $messages if m.startswith('<b>${DEMO_COMMENTS} comments in')]
    Length Should Be    ${tables}    1
    Should Contain    ${tables}[0]    by model version 1: ${report}[routed] routed, ${report}[exceptions] exceptions
    ${console}=    Get File    ${WORK}/first-console.txt
    Should Contain    ${console}    Triaged ${DEMO_COMMENTS} comment(s) in ${report}[seconds] s

Exceptions Are Tagged On The Trigger
    ${tagged}=    Get Trigger Exceptions    ${TRIGGER}
    ${queued}=    Work Item Uids    ${WORK}/first/queues    exceptions
    Lists Should Be Equal    ${{ sorted($tagged) }}    ${queued}    ignore_order=True
    ${types}=    Evaluate    set($tagged.values())
    Should Be Equal    ${types}    ${{ {"No Prediction"} }}
    ${work_item}=    Read Work Item    ${WORK}/first/queues/exceptions/${queued}[0].json
    Should Be True    ${work_item}[tagged]
    Should Be Equal    ${work_item}[exception_type]    No Prediction
    Should Be Equal    ${work_item}[reason]    No label cleared its threshold (No Prediction).

Every Work Item Sits In The Queue It Names
    ${queues}=    List Directories In Directory    ${WORK}/first/queues
    FOR    ${queue}    IN    @{queues}
        ${files}=    List Files In Directory    ${WORK}/first/queues/${queue}    *.json
        Work Items Should Belong To Queue    ${WORK}/first/queues/${queue}    ${queue}    @{files}
    END

The Trigger Is Read To Its End
    ${batch}=    Fetch Trigger Batch    ${TRIGGER}    size=${BATCH_SIZE}
    ${left}=    Get Length    ${batch.results}
    Should Be Equal As Integers    ${left}    0    The trigger still has comments after the run.
    Should Be True    ${batch.is_end_sequence}
    # This suite only looked: give the stream back to the robots it starts next.
    Release Trigger Lease    ${TRIGGER}

A Second Run Finds Nothing New
    ${result}=    Run Triage Task    ${TRIGGER}    second    ${WORK}/first/queues
    Should Be Equal As Integers    ${result.rc}    0    The task failed: see ${WORK}/second/log.html
    ${report}=    Read Report    ${WORK}/second
    Should Be Equal As Integers    ${report}[comments]    0
    Should Be Equal As Integers    ${report}[batches]    1
    Should Be True    ${report}[end_of_stream]
    ${uids}=    Work Item Uids    ${WORK}/first/queues
    Length Should Be    ${uids}    ${DEMO_COMMENTS}

A Run That Dies Before Advancing Loses And Doubles Nothing
    [Documentation]    The first run dies just before advancing its third batch (a test-only listener
    ...    ends the process), so that batch is written but not advanced. The restart gets
    ...    that batch again, and Process Trigger's ledger leaves out its finished comments.
    VAR    ${queues}=    ${WORK}/crash/queues
    ${crashed}=    Run Triage Task    ${CRASH_TRIGGER}    crash-1    ${queues}
    ...    --listener    ${CRASH_LISTENER}:3
    Should Be Equal As Integers    ${crashed.rc}    ${CRASH_EXIT_CODE}
    Should Contain    ${crashed.stdout}    Simulated crash before advancing batch 3
    ${written}=    Work Item Uids    ${queues}
    Length Should Be    ${written}    ${{ 3 * $BATCH_SIZE }}
    ${again}=    Fetch Trigger Batch    ${CRASH_TRIGGER}    size=${BATCH_SIZE}    log_items=False
    Length Should Be    ${again.skipped}    ${BATCH_SIZE}
    ...    The trigger should still be at the third batch, whose comments the ledger has as finished.
    List Should Contain Sub List    ${written}    ${again.skipped}
    Release Trigger Lease    ${CRASH_TRIGGER}
    ${restarted}=    Run Triage Task    ${CRASH_TRIGGER}    crash-2    ${queues}
    Should Be Equal As Integers    ${restarted.rc}    0    The restart failed: see ${WORK}/crash-2/log.html
    Queues Should Hold Every Demo Comment Once    ${queues}
    Report Should Count    ${WORK}/crash-2    comments=${{ $DEMO_COMMENTS - 3 * $BATCH_SIZE }}
    ...    skipped_by_ledger=${BATCH_SIZE}    redelivered=${0}

A Killed Run Loses And Doubles Nothing
    [Documentation]    The robot process is killed (SIGKILL on POSIX) while it writes work items, then run again.
    ...    Temporary files an interrupted write left behind are removed by the restart: at once
    ...    when their writer (named in the file) is gone, else once a minute old.
    VAR    ${queues}=    ${WORK}/kill/queues
    ${process}=    Start Triage Task    ${KILL_TRIGGER}    kill-1    ${queues}
    # Past the first batch (advanced) and into the second (not advanced yet).
    Wait Until Keyword Succeeds    2 min    0.05 s    Work Items Should Exist    ${queues}    ${{ $BATCH_SIZE + 8 }}
    Terminate Process    ${process}    kill=True
    ${before}=    Work Item Uids    ${queues}
    ${count}=    Get Length    ${before}
    Log    Killed with ${count} of ${DEMO_COMMENTS} work items written.
    Create File    ${queues}/exceptions/.stale.json.abc123.tmp    {"uid": "stal
    Set Modified Time    ${queues}/exceptions/.stale.json.abc123.tmp    NOW - 1 hour
    Create File    ${queues}/exceptions/.young.json.def456.tmp    {"uid": "youn
    ${restarted}=    Run Triage Task    ${KILL_TRIGGER}    kill-2    ${queues}
    Should Be Equal As Integers    ${restarted.rc}    0    The restart failed: see ${WORK}/kill-2/log.html
    Queues Should Hold Every Demo Comment Once    ${queues}
    Every Work Item Should Be Whole    ${queues}
    File Should Not Exist    ${queues}/exceptions/.stale.json.abc123.tmp
    File Should Exist    ${queues}/exceptions/.young.json.def456.tmp

A Refused Tag Still Puts The Comment In The Exceptions Queue
    [Documentation]    The platform answers every tag with 422 (a business error). Each comment no
    ...    label clears is still queued in ``exceptions``, marked ``tagged: false`` with the
    ...    refusal in its reason, a warning is logged, and the run goes on to the end.
    VAR    ${queues}=    ${WORK}/refused/queues
    Set Shared Sandbox Faults    exceptions/${REFUSED_TRIGGER}:422@1.0
    ${result}=    Run Triage Task    ${REFUSED_TRIGGER}    refused    ${queues}
    Should Be Equal As Integers    ${result.rc}    0    The task failed: see ${WORK}/refused/log.html
    Queues Should Hold Every Demo Comment Once    ${queues}
    VAR    ${refusal}=
    ...    No label cleared its threshold (No Prediction). Not tagged as 'No Prediction' on trigger ${REFUSED_TRIGGER}: Business error (bad request): PUT /api/v1/datasets/acme/retail-inbox/streams/${REFUSED_TRIGGER}/exceptions returned 422
    ${exceptions}=    Exceptions Should Be Untagged    ${queues}    ${refusal}
    ${tagged}=    Get Trigger Exceptions    ${REFUSED_TRIGGER}
    Should Be Empty    ${tagged}
    ${warnings}=    Get Log Messages    ${WORK}/refused/output.xml    level=WARN
    ${refused}=    Evaluate    [w for w in $warnings if 'is in the exceptions queue but not tagged' in w]
    Length Should Be    ${refused}    ${{ len($exceptions) }}
    [Teardown]    Set Shared Sandbox Faults

A Technical Error Stops The Run Without Advancing
    [Documentation]    Every tag fails with 500, after retries: the run fails at the first comment that
    ...    needs a tag, says what was done, and the trigger is advanced only up to the comments
    ...    routed before it. A later run (faults gone) routes every comment.
    VAR    ${queues}=    ${WORK}/failing/queues
    Set Shared Sandbox Faults    exceptions/${FAILING_TRIGGER}:500@1.0
    ${failed}=    Run Triage Task    ${FAILING_TRIGGER}    failing-1    ${queues}
    Set Shared Sandbox Faults
    Should Be Equal As Integers    ${failed.rc}    1
    Should Contain    ${failed.stdout}    Technical error (server): PUT
    ${processed}    ${stopped_at}=    Where Process Trigger Stopped    ${failed.stdout}    ${FAILING_TRIGGER}
    ${first}=    Fetch Trigger Batch    ${FAILING_TRIGGER}    size=1    log_items=False
    Should Be Equal    ${first.results[0].uid}    ${stopped_at}    The trigger moved past the comment in hand.
    ${written}=    Work Item Uids    ${queues}
    Length Should Be    ${written}    ${processed}
    Release Trigger Lease    ${FAILING_TRIGGER}
    ${restarted}=    Run Triage Task    ${FAILING_TRIGGER}    failing-2    ${queues}
    Should Be Equal As Integers    ${restarted.rc}    0    The restart failed: see ${WORK}/failing-2/log.html
    ${uids}=    Work Item Uids    ${queues}
    Length Should Be    ${uids}    ${DEMO_COMMENTS}
    [Teardown]    Set Shared Sandbox Faults

A Label Without A Queue Sets Its Comments Aside
    [Documentation]    The routing table has no queue for ``Praise``, which clears the file's ``default``:
    ...    those comments go to ``exceptions`` as ``No Queue`` exceptions, and the run goes on.
    ${routing}=    Routing Table Without    Praise
    ${thresholds}=    Thresholds File Without    Praise
    VAR    ${queues}=    ${WORK}/no-queue/queues
    ${result}=    Run Triage Task    ${NO_QUEUE_TRIGGER}    no-queue    ${queues}
    ...    --variablefile    ${routing}    --variable    THRESHOLDS_FILE:${thresholds}
    Should Be Equal As Integers    ${result.rc}    0    The task failed: see ${WORK}/no-queue/log.html
    ${uids}=    Work Item Uids    ${queues}
    Length Should Be    ${uids}    ${DEMO_COMMENTS}
    Directory Should Not Exist    ${queues}/feedback
    ${tagged}=    Get Trigger Exceptions    ${NO_QUEUE_TRIGGER}
    ${no_queue}=    Evaluate    sorted(uid for uid, kind in $tagged.items() if kind == "No Queue")
    Should Not Be Empty    ${no_queue}    Praise comments should have been set aside as No Queue.
    FOR    ${uid}    IN    @{no_queue}
        ${work_item}=    Read Work Item    ${queues}/exceptions/${uid}.json
        Should Be Equal    ${work_item}[reason]    ${NO_QUEUE_REASON}
        Should Be Equal    ${work_item}[exception_type]    No Queue
        Should Be True    ${work_item}[tagged]
    END

Choose Queue Routes Like The Robot
    ${queue}=    Choose Queue    ${{ ["Complaint", "Order > Late Delivery"] }}
    Should Be Equal    ${queue}    carrier
    ${queue}=    Choose Queue    ${{ ["Complaint"] }}
    Should Be Equal    ${queue}    complaints
    ${queue}=    Choose Queue    ${{ [] }}
    Should Be Equal    ${queue}    exceptions
    Run Keyword And Expect Error
    ...    EQUALS:Business error (no queue): no queue for label 'Shipping > Customs' in QUEUE_FOR_LABEL (routing.resource); add one or give the label no threshold.
    ...    Choose Queue
    ...    ${{ ["Shipping > Customs", "Complaint"] }}

A Work Item Needs No Tone
    [Documentation]    A tenant whose dataset scores ``quality_of_service`` but not ``tone``.
    VAR    &{item}=
    ...    uid=src.t1
    ...    sequence_id=s1
    ...    labels=${{ [] }}
    ...    entities=${{ [] }}
    ...    comment=${{ {"uid": "src.t1", "timestamp": "2025-09-01T08:00:00Z", "messages": [{"from": "a@example.org", "subject": {"text": "Hello"}}]} }}
    ...    label_properties=${{ [{"property_id": "0000000000000002", "property_name": "quality_of_service", "value": 1.5}] }}
    ${work_item}=    Build Work Item    ${item}    enquiries
    Should Be Equal    ${work_item}[tone]    ${None}
    Should Be Equal    ${work_item}[from]    a@example.org
    Should Be Equal    ${work_item}[subject]    Hello
    Should Be Equal    ${work_item}[received]    2025-09-01T08:00:00Z

The Queue Folder Does Not Follow The Output Folder
    [Documentation]    Without QUEUE_DIR, runs with different ``--outputdir`` share TRIAGE_QUEUE_DIR:
    ...    the second run carries on in the same folders and routes nothing twice.
    VAR    ${queues}=    ${WORK}/shared-queues
    ${part}=    Run Triage Task    ${ENV_TRIGGER}    env-1    ${None}    --variable    MAX_BATCHES:2
    ...    env:TRIAGE_QUEUE_DIR=${queues}
    Should Be Equal As Integers    ${part.rc}    0    The task failed: see ${WORK}/env-1/log.html
    ${rest}=    Run Triage Task    ${ENV_TRIGGER}    env-2    ${None}    env:TRIAGE_QUEUE_DIR=${queues}
    Should Be Equal As Integers    ${rest.rc}    0    The task failed: see ${WORK}/env-2/log.html
    Queues Should Hold Every Demo Comment Once    ${queues}
    ${report}=    Read Report    ${WORK}/env-2
    Should Be Equal    ${report}[queue_dir]    ${{ os.path.realpath($queues) }}
    Should Be Equal As Integers    ${report}[comments]    ${{ $DEMO_COMMENTS - 2 * $BATCH_SIZE }}
    Should Be Equal As Integers    ${report}[redelivered]    0
    Directory Should Not Exist    ${WORK}/env-1/queues
    Directory Should Not Exist    ${WORK}/env-2/queues

Make Demo Runs The Main Job On A Fresh Sandbox
    [Documentation]    robots/run_demo.py as ``make demo`` runs it: its own sandbox, every path it prints exists.
    ${result}=    Run Demo    demo    --outputdir    ${WORK}/demo
    Should Be Equal As Integers    ${result.rc}    0    The demo failed: see ${WORK}/demo-console.txt
    Should Contain    ${result.stdout}    Demo finished in
    ${printed}=    Printed Paths Should Exist    ${result.stdout}
    Should Be Equal
    ...    ${printed}
    ...    ${{ {"Log": "log.html", "Triage report": "report.json", "Triage CSV": "report.csv", "Work items": "queues"} }}
    ${uids}=    Work Item Uids    ${WORK}/demo/queues
    Length Should Be    ${uids}    ${DEMO_COMMENTS}
    ${report}=    Read Report    ${WORK}/demo
    Should Be Equal As Integers    ${report}[model_version]    1

A Killed Demo Carries On Against The Same Sandbox Data
    [Documentation]    The first demo dies before advancing its second batch; run again with the same
    ...    ``--data-dir`` (another output folder), it carries on from there and routes every
    ...    comment once. A killed demo prints only the paths that exist.
    VAR    ${data}=    ${WORK}/demo-data
    ${killed}=    Run Demo    demo-killed    --outputdir    ${WORK}/demo-killed    --data-dir    ${data}
    ...    --listener    ${CRASH_LISTENER}:2
    Should Be Equal As Integers    ${killed.rc}    ${CRASH_EXIT_CODE}
    Should Contain
    ...    ${killed.stdout}
    ...    The robot stopped before writing its log and report (killed or crashed); run the same command again with the same --data-dir to carry on.
    ${printed}=    Printed Paths Should Exist    ${killed.stdout}
    Should Be Equal    ${printed}    ${{ {"Work items": "queues", "Sandbox data": "demo-data"} }}
    ${written}=    Work Item Uids    ${data}/queues
    Length Should Be    ${written}    ${{ 2 * $BATCH_SIZE }}
    ${again}=    Run Demo    demo-again    --outputdir    ${WORK}/demo-again    --data-dir    ${data}
    Should Be Equal As Integers    ${again.rc}    0    The demo failed: see ${WORK}/demo-again-console.txt
    Queues Should Hold Every Demo Comment Once    ${data}/queues
    ${report}=    Read Report    ${WORK}/demo-again
    Should Be Equal As Integers    ${report}[comments]    ${{ $DEMO_COMMENTS - $BATCH_SIZE }}
    Should Be Equal As Integers    ${report}[redelivered]    ${BATCH_SIZE}


*** Keywords ***
Create Triggers For This Suite
    [Documentation]    New triggers with the robot's own model version and thresholds.
    Connect To The Sandbox
    ${config}=    Load Thresholds    ${THRESHOLDS_FILE}
    Create Directory    ${WORK}
    FOR    ${name}    IN    @{TRIGGERS}
        Create Trigger    ${name}    thresholds=${config}    title=Main job acceptance (${name})
    END

Delete Triggers Of This Suite
    [Documentation]    Remove the suite's triggers, also when a test failed half-way.
    Delete Triggers    @{TRIGGERS}
    Close All Reinfer Connections

Routing Table Without
    [Documentation]    A variable file whose QUEUE_FOR_LABEL is the robot's routing table less ``${label}``; returns its path.
    [Arguments]    ${label}
    ${table}=    Copy Dictionary    ${QUEUE_FOR_LABEL}
    Remove From Dictionary    ${table}    ${label}
    ${text}=    Evaluate    yaml.safe_dump({"QUEUE_FOR_LABEL": dict($table)})    modules=yaml
    Create File    ${WORK}/routing-without-${label}.yaml    ${text}
    RETURN    ${WORK}/routing-without-${label}.yaml

Thresholds File Without
    [Documentation]    The robot's thresholds file less ``${label}``, plus ``default: 0.5``; returns its path.
    [Arguments]    ${label}
    ${text}=    Get File    ${THRESHOLDS_FILE}
    ${config}=    Evaluate    yaml.safe_load($text)    modules=yaml
    Evaluate    $config["thresholds"].pop($label)
    Set To Dictionary    ${config}    default=${0.5}
    ${text}=    Evaluate    yaml.safe_dump($config)    modules=yaml
    Create File    ${WORK}/thresholds-without-${label}.yaml    ${text}
    RETURN    ${WORK}/thresholds-without-${label}.yaml

Exceptions Should Be Untagged
    [Documentation]    Every work item in the exceptions queue says it is not tagged, and why; returns their uids.
    [Arguments]    ${queues}    ${reason_start}
    ${exceptions}=    Work Item Uids    ${queues}    exceptions
    Should Not Be Empty    ${exceptions}
    FOR    ${uid}    IN    @{exceptions}
        ${work_item}=    Read Work Item    ${queues}/exceptions/${uid}.json
        Should Not Be True    ${work_item}[tagged]
        Should Start With    ${work_item}[reason]    ${reason_start}
    END
    RETURN    ${exceptions}
