*** Settings ***
Documentation     ReinferLibrary.WorkQueues on both engines, and the dispatcher/performer robots.
...
...               Every keyword test runs on the embedded SQLite queue and on a real
...               redis-server this suite starts (127.0.0.1, a free port, a folder of its own,
...               appendonly on). The robots' tests run the triage robot as the dispatcher
...               (``WORK_QUEUE_URL``) against the acceptance sandbox, then the performer
...               template robot on the same queue, in processes of their own; and
...               ``robots/scale_demo.py`` (``make scale-demo``) end to end on its own sandbox.

Library           Collections
Library           OperatingSystem
Library           Process
Library           String
Library           ReinferLibrary
Library           resources/RedisServer.py
Resource          resources/common.resource
Resource          resources/triage_runs.resource
Resource          ../../robots/resources/routing.resource

Suite Setup       Start The Queues
Suite Teardown    Stop The Queues

Test Tags         work-queues


*** Variables ***
${SUFFIX}             ${{ uuid.uuid4().hex[:8] }}
${WORK}               %{ACCEPTANCE_WORK_DIR=${OUTPUT_DIR}}/work_queues_${SUFFIX}
${THRESHOLDS_FILE}    ${{ os.path.normpath(r'${CURDIR}/../../robots/config/thresholds.yaml') }}
${PERFORMER_TASK}     ${ROOT}/robots/tasks/perform_work.robot
@{TRIGGERS}           work-queues-sqlite-${SUFFIX}    work-queues-redis-${SUFFIX}
${SQLITE_URL}         sqlite://${WORK}/queues.db
${REDIS_PORT}         ${{ ReinferLibrary.queues.redis_server.free_port() }}
${REDIS_URL}          redis://127.0.0.1:${REDIS_PORT}/0


*** Test Cases ***
Add, Get And Complete A Work Item
    [Template]    Add, Get And Complete On
    SQLite
    Redis

Adding A Reference Twice Keeps One Item
    [Template]    Idempotent Add On
    SQLite
    Redis

An Empty Queue Gives Nothing After The Timeout
    [Template]    Empty Queue On
    SQLite
    Redis

Failed Items Are Retried Then Dead-Lettered With Their Reasons
    [Template]    Retry And Dead Letter On
    SQLite
    Redis

Finished Items Are Purged, Pending And Claimed Ones Never
    [Template]    Purge On
    SQLite
    Redis

A Second Complete Of A Lost Lease Fails Clearly
    [Template]    Lost Lease On
    SQLite
    Redis

An Extended Lease Keeps The Item From Other Performers
    [Template]    Extended Lease On
    SQLite
    Redis

Bad Input Gets One Clear Line
    [Template]    Bad Input On
    SQLite
    Redis

Unknown URL Scheme And Unreachable Redis Fail Clearly
    Run Keyword And Expect Error
    ...    *Work queue URL 'postgres://db/queues' has an unknown scheme 'postgres': give sqlite:///path/queues.db*
    ...    Import Library    ReinferLibrary.WorkQueues    url=postgres://db/queues
    Import Library    ReinferLibrary.WorkQueues    url=redis://127.0.0.1:1/0    timeout=2 s    AS    Nowhere
    Run Keyword And Expect Error
    ...    Technical error (work queue unreachable): could not connect to Redis at redis://127.0.0.1:1/0:*
    ...    Nowhere.Add Work Item    q    ${1}

The Dispatcher Adds One Item Per Comment And A Performer Completes Them
    [Tags]    robots
    [Template]    Dispatch And Perform On
    SQLite    work-queues-sqlite-${SUFFIX}
    Redis    work-queues-redis-${SUFFIX}

A Performer Robot Killed Mid-Item Loses Nothing
    [Tags]    robots
    [Template]    Kill A Performer On
    SQLite
    Redis

The Scale Demo Handles Every Item Once With Two Performers
    [Tags]    robots    scale-demo
    ${result}=    Run Process    ${{ sys.executable }}    ${ROOT}/robots/scale_demo.py    --performers    2
    ...    --outputdir    ${WORK}/scale-demo    --work-seconds    0.02    --failure-rate    0.2
    ...    --idle-timeout    4    cwd=${ROOT}    stdout=${WORK}/scale-demo-console.txt    stderr=STDOUT
    ...    timeout=10 min    env:PYTHONPATH=${ROOT}
    Log    ${result.stdout}
    Should Be Equal As Integers    ${result.rc}    0    The scale demo failed: see ${WORK}/scale-demo/log.html
    ${line}=    Get Line    ${result.stdout}    -1
    Should Match Regexp
    ...    ${line}
    ...    ^handled ${DEMO_COMMENTS} work items once each with 2 performers in \\d+\\.\\d s \\(\\d+ dead-lettered, [1-9]\\d* retried, 0 failed\\)$


*** Keywords ***
Start The Queues
    [Documentation]    The same library on both engines (aliases SQLite and Redis), and the suite's triggers.
    Create Directory    ${WORK}
    ${started}=    Start Redis Server    ${WORK}/redis    port=${REDIS_PORT}
    Should Be Equal    ${started}    ${REDIS_URL}
    Import Library    ReinferLibrary.WorkQueues    url=${SQLITE_URL}    lease=0.5 s    max_attempts=2    AS    SQLite
    Import Library    ReinferLibrary.WorkQueues    url=${REDIS_URL}    lease=0.5 s    max_attempts=2    AS    Redis
    Connect To The Sandbox
    ${config}=    Load Thresholds    ${THRESHOLDS_FILE}
    FOR    ${name}    IN    @{TRIGGERS}
        Create Trigger    ${name}    thresholds=${config}    title=Work queues acceptance (${name})
    END

Stop The Queues
    [Documentation]    Stop redis-server and remove the suite's triggers.
    Stop Redis Server
    Delete Triggers    @{TRIGGERS}

New Queue
    [Documentation]    Use the library of ``${engine}`` and return a queue name no other test uses.
    [Arguments]    ${engine}
    Set Library Search Order    ${engine}
    RETURN    q-${{ uuid.uuid4().hex[:8] }}

Add, Get And Complete On
    [Documentation]    The round trip on one engine: the item carries id, reference, payload and attempt.
    [Arguments]    ${engine}
    ${queue}=    New Queue    ${engine}
    VAR    &{payload}=    uid=c-1    order=A-1042    amount=${12.5}
    ${id}=    Add Work Item    ${queue}    ${payload}    reference=c-1
    ${work}=    Get Work Item    ${queue}
    Should Be Equal    ${work.id}    ${id}
    Should Be Equal    ${work.reference}    c-1
    Should Be Equal    ${work}[payload]    ${payload}
    Should Be Equal As Integers    ${work.attempt}    1
    ${stats}=    Get Work Queue Stats    ${queue}
    Should Be Equal As Integers    ${stats}[in_progress]    1
    Complete Work Item    ${work}
    ${stats}=    Get Work Queue Stats    ${queue}
    Should Be Equal    ${{ dict($stats) }}
    ...    ${{ {"pending": 0, "in_progress": 0, "done": 1, "failed": 0, "dead": 0, "retried": 0} }}

Idempotent Add On
    [Documentation]    A dispatcher repeating a batch: the same reference, even after completion, adds nothing.
    [Arguments]    ${engine}
    ${queue}=    New Queue    ${engine}
    ${first}=    Add Work Item    ${queue}    first    reference=c-1
    ${again}=    Add Work Item    ${queue}    second    reference=c-1
    Should Be Equal    ${first}    ${again}
    ${work}=    Get Work Item    ${queue}
    Should Be Equal    ${work.payload}    first
    Complete Work Item    ${work}
    Add Work Item    ${queue}    third    reference=c-1
    ${nothing}=    Get Work Item    ${queue}
    Should Be Equal    ${nothing}    ${None}
    ${stats}=    Get Work Queue Stats    ${queue}
    Should Be Equal As Integers    ${stats.total}    1

Empty Queue On
    [Documentation]    ``Get Work Item`` waits ``timeout`` and returns ``None``.
    [Arguments]    ${engine}
    ${queue}=    New Queue    ${engine}
    VAR    ${before}=    ${{ time.monotonic() }}
    ${nothing}=    Get Work Item    ${queue}    timeout=0.5 s
    Should Be Equal    ${nothing}    ${None}
    Should Be True    time.monotonic() - ${before} >= 0.45    Returned before the timeout

Retry And Dead Letter On
    [Documentation]    ``max_attempts=2``: a retried failure comes back once, then goes to the dead-letter queue.
    [Arguments]    ${engine}
    ${queue}=    New Queue    ${engine}
    Add Work Item    ${queue}    ${{ {"order": "A-1"} }}    reference=poison
    ${work}=    Get Work Item    ${queue}
    ${outcome}=    Fail Work Item    ${work}    ERP down    retry=True
    Should Be Equal    ${outcome}    retry
    ${work}=    Get Work Item    ${queue}
    Should Be Equal As Integers    ${work.attempt}    2
    Should Be Equal    ${work.reasons}    ${{ ("attempt 1: ERP down",) }}
    ${outcome}=    Fail Work Item    ${work}    ERP still down
    Should Be Equal    ${outcome}    dead
    ${dead}=    Get Dead Work Items    ${queue}
    Length Should Be    ${dead}    1
    Should Be Equal    ${dead[0].reference}    poison
    Should Be Equal    ${dead[0].reasons}    ${{ ("attempt 1: ERP down", "attempt 2: ERP still down") }}
    Add Work Item    ${queue}    x    reference=business
    ${work}=    Get Work Item    ${queue}
    ${outcome}=    Fail Work Item    ${work}    Order does not exist    retry=False
    Should Be Equal    ${outcome}    failed
    ${stats}=    Get Work Queue Stats    ${queue}
    Should Be Equal    ${{ (int($stats.dead), int($stats.failed), int($stats.pending)) }}    ${{ (1, 1, 0) }}

Purge On
    [Documentation]    ``Purge Work Queue`` deletes finished items of the states asked for; a purged reference is new again.
    [Arguments]    ${engine}
    ${queue}=    New Queue    ${engine}
    FOR    ${reference}    IN    done    failed    claimed    waiting
        Add Work Item    ${queue}    ${reference}    reference=${reference}
    END
    ${work}=    Get Work Item    ${queue}
    Complete Work Item    ${work}
    ${work}=    Get Work Item    ${queue}
    Fail Work Item    ${work}    Order does not exist    retry=False
    ${claimed}=    Get Work Item    ${queue}    lease=1 min
    ${purged}=    Purge Work Queue    ${queue}    older_than=1 hour
    Should Be Equal As Integers    ${purged}    0
    ${purged}=    Purge Work Queue    ${queue}    older_than=0 s    states=done, failed, dead
    Should Be Equal As Integers    ${purged}    2
    ${stats}=    Get Work Queue Stats    ${queue}
    Should Be Equal    ${{ dict($stats) }}
    ...    ${{ {"pending": 1, "in_progress": 1, "done": 0, "failed": 0, "dead": 0, "retried": 0} }}
    Complete Work Item    ${claimed}
    ${again}=    Add Work Item    ${queue}    again    reference=done
    ${work}=    Get Work Item    ${queue}
    Should Be Equal    ${work.reference}    waiting
    ${work}=    Get Work Item    ${queue}
    Should Be Equal    ${work.id}    ${again}
    Run Keyword And Expect Error    Cannot purge work items in state 'pending'*
    ...    Purge Work Queue    ${queue}    older_than=0 s    states=pending

Lost Lease On
    [Documentation]    Lease 0.5 s: another performer takes the item over; the old claim can neither complete nor fail.
    [Arguments]    ${engine}
    ${queue}=    New Queue    ${engine}
    Add Work Item    ${queue}    slow work    reference=r-1
    ${mine}=    Get Work Item    ${queue}
    Sleep    0.7 s
    ${theirs}=    Get Work Item    ${queue}    lease=1 min
    Should Be Equal As Integers    ${theirs.attempt}    2
    Run Keyword And Expect Error
    ...    Business error (work item lease lost): cannot complete work item ${mine.id} (reference r-1) of queue ${queue} (attempt 1): its lease ran out and another performer claimed it;*
    ...    Complete Work Item
    ...    ${mine}
    Complete Work Item    ${theirs}
    Run Keyword And Expect Error    Business error (work item lease lost):*done already*
    ...    Complete Work Item    ${theirs}

Extended Lease On
    [Documentation]    Lease 0.5 s, extended to 1 min: after the first lease would have run out nobody else gets the item, and the claim still completes.
    [Arguments]    ${engine}
    ${queue}=    New Queue    ${engine}
    Add Work Item    ${queue}    long work    reference=r-1
    ${mine}=    Get Work Item    ${queue}
    Extend Work Item Lease    ${mine}    lease=1 min
    Sleep    0.7 s
    ${theirs}=    Get Work Item    ${queue}    timeout=0.2 s
    Should Be Equal    ${theirs}    ${None}
    Complete Work Item    ${mine}
    ${stats}=    Get Work Queue Stats    ${queue}
    Should Be Equal As Integers    ${stats.done}    1

Bad Input On
    [Documentation]    A payload that is not JSON, an unknown item: one line each, the library's categories.
    [Arguments]    ${engine}
    ${queue}=    New Queue    ${engine}
    Run Keyword And Expect Error
    ...    Business error (work item payload not JSON): the payload of reference r-1 for queue ${queue} cannot be stored: Object of type object is not JSON serializable;*
    ...    Add Work Item
    ...    ${queue}
    ...    ${{ {"when": object()} }}
    ...    reference=r-1
    Run Keyword And Expect Error
    ...    Business error (unknown work item): expected the work item Get Work Item returned, got DotDict;*
    ...    Complete Work Item    ${{ robot.utils.DotDict(id="1") }}
    Run Keyword And Expect Error    Queue name 'a:b' is not usable:*
    ...    Add Work Item    a:b    x
    ${stats}=    Get Work Queue Stats    ${queue}
    Should Be Equal As Integers    ${stats.total}    0

Dispatch And Perform On
    [Documentation]    Triage robot as dispatcher into ``${engine}``, run twice (nothing added twice); a performer completes every item.
    [Arguments]    ${engine}    ${trigger}
    VAR    ${url}=    ${{ $SQLITE_URL if $engine == "SQLite" else $REDIS_URL }}
    ${run}=    Run Triage Task    ${trigger}    dispatch-${engine}    ${WORK}/files-${engine}
    ...    --variable    WORK_QUEUE_URL:${url}
    Should Be Equal As Integers    ${run.rc}    0    The dispatcher failed: see ${WORK}/dispatch-${engine}/log.html
    Directory Should Be Empty    ${WORK}/files-${engine}/exceptions
    Reset Trigger    ${trigger}    2020-01-01T00:00:00Z    max_days_back=${100000}
    # The reset took this suite's lease on the stream: give it back to the dispatcher.
    Release Trigger Lease    ${trigger}
    ${again}=    Run Triage Task    ${trigger}    dispatch-again-${engine}    ${WORK}/files-${engine}
    ...    --variable    WORK_QUEUE_URL:${url}
    Should Be Equal As Integers    ${again.rc}    0
    Set Library Search Order    ${engine}
    ${total}=    Count Items In Routing Queues
    Should Be Equal As Integers    ${total}[total]    ${DEMO_COMMENTS}
    Should Be Equal As Integers    ${total}[pending]    ${DEMO_COMMENTS}
    ${performer}=    Run Process    ${{ sys.executable }}    -m    robot    --outputdir    ${WORK}/perform-${engine}
    ...    --variable    WORK_QUEUE_URL:${url}    --variable    WORK_SECONDS:0    --variable    FAILURE_RATE:0
    ...    --variable    IDLE_TIMEOUT:1 s    --consolecolors    off    ${PERFORMER_TASK}
    ...    cwd=${ROOT}    env:PYTHONPATH=${ROOT}    stdout=${WORK}/perform-${engine}.txt    stderr=STDOUT
    ...    timeout=10 min
    Should Be Equal As Integers    ${performer.rc}    0    The performer failed: see ${WORK}/perform-${engine}/log.html
    ${total}=    Count Items In Routing Queues
    Should Be Equal As Integers    ${total}[done]    ${DEMO_COMMENTS}
    Should Be Equal As Integers    ${total}[total]    ${DEMO_COMMENTS}

Kill A Performer On
    [Documentation]    SIGKILL a performer robot while it holds an item (lease 2 s); the next performer completes everything once.
    [Arguments]    ${engine}
    VAR    ${url}=    ${{ $SQLITE_URL if $engine == "SQLite" else $REDIS_URL }}
    Set Library Search Order    ${engine}
    VAR    ${queue}=    kill-${engine}-${SUFFIX}
    ${before}=    Get Work Queue Stats    ${queue}
    FOR    ${n}    IN RANGE    3
        Add Work Item    ${queue}    ${{ {"uid": "kill-${engine}-${n}"} }}    reference=kill-${engine}-${n}
    END
    ${victim}=    Start Process    ${{ sys.executable }}    -m    robot    --outputdir    ${WORK}/victim-${engine}
    ...    --variable    WORK_QUEUE_URL:${url}    --variable    WORK_SECONDS:60    --variable    FAILURE_RATE:0
    ...    --variable    LEASE:2 s    --variable    HANDLED_DIR:${WORK}/handled-${engine}
    ...    --variable    PERFORM_QUEUES:${queue}    ${PERFORMER_TASK}
    ...    cwd=${ROOT}    env:PYTHONPATH=${ROOT}    stdout=${WORK}/victim-${engine}.txt    stderr=STDOUT
    Wait Until Keyword Succeeds    2 min    0.1 s    Queue Should Have In Progress    ${queue}    1
    Send Signal To Process    SIGKILL    ${victim}
    ${killed}=    Wait For Process    ${victim}    timeout=30 s
    Should Be Equal As Integers    ${killed.rc}    -9
    Sleep    2.2 s    The victim's lease ends.
    ${rescuer}=    Run Process    ${{ sys.executable }}    -m    robot    --outputdir    ${WORK}/rescuer-${engine}
    ...    --variable    WORK_QUEUE_URL:${url}    --variable    WORK_SECONDS:0    --variable    FAILURE_RATE:0
    ...    --variable    IDLE_TIMEOUT:1 s    --variable    HANDLED_DIR:${WORK}/handled-${engine}
    ...    --variable    PERFORMER:rescuer    --variable    PERFORM_QUEUES:${queue}    ${PERFORMER_TASK}
    ...    cwd=${ROOT}    env:PYTHONPATH=${ROOT}    stdout=${WORK}/rescuer-${engine}.txt    stderr=STDOUT
    ...    timeout=5 min
    Should Be Equal As Integers    ${rescuer.rc}    0    The rescuer failed: see ${WORK}/rescuer-${engine}/log.html
    File Should Not Exist    ${WORK}/handled-${engine}/performer-1.txt    The victim completed an item.
    ${handled}=    Get File    ${WORK}/handled-${engine}/performer-rescuer.txt
    ${lines}=    Split To Lines    ${handled}
    Length Should Be    ${lines}    3
    ${stats}=    Get Work Queue Stats    ${queue}
    Should Be Equal As Integers    ${{ $stats.done - $before.done }}    3
    Should Be Equal As Integers    ${{ $stats.retried - $before.retried }}    1
    Should Be Equal As Integers    ${stats.in_progress}    0
    # Also when a check failed before the kill: no performer outlives the test.
    [Teardown]    Terminate All Processes    kill=True

Queue Should Have In Progress
    [Documentation]    Fail unless ``${queue}`` has ``${count}`` items in progress.
    [Arguments]    ${queue}    ${count}
    ${stats}=    Get Work Queue Stats    ${queue}
    Should Be Equal As Integers    ${stats.in_progress}    ${count}

Count Items In Routing Queues
    [Documentation]    The stats of every queue of the routing table, added up (search order picks the engine).
    ${queues}=    Evaluate    sorted({*$QUEUE_FOR_LABEL.values(), $EXCEPTIONS_QUEUE})
    VAR    @{all}=    @{EMPTY}
    FOR    ${queue}    IN    @{queues}
        ${stats}=    Get Work Queue Stats    ${queue}
        Append To List    ${all}    ${stats}
    END
    ${sum}=    Evaluate
    ...    (lambda all: {key: sum(getattr(s, key) for s in all) for key in ("total", "pending", "done")})($all)
    RETURN    ${sum}
