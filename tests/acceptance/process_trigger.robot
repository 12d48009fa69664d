*** Settings ***
Documentation     Process Trigger and the outcome listener against the sandbox (issue 9).
...
...               Runs in this process where the run goes on afterwards; a fatal failure, SIGTERM
...               and a failing hand-written loop run tests/bots/process_trigger_bot.robot in a
...               process of its own. Each test reads a trigger of its own.

Library           Collections
Library           OperatingSystem
Library           Process
Library           ReinferLibrary
Library           ReinferLibrary.sandbox.SandboxLibrary
Library           resources/RobotOutput.py
Resource          resources/common.resource
Resource          resources/triage_runs.resource

Suite Setup       Create Triggers For This Suite
Suite Teardown    Delete Triggers    @{TRIGGERS}

Test Tags         process-trigger


*** Variables ***
${SUFFIX}          ${{ uuid.uuid4().hex[:8] }}
${ALL_TRIGGER}     pt-all-${SUFFIX}
${FAILING}         pt-failing-${SUFFIX}
${CONFIG}          pt-never-created-${SUFFIX}
${TECHNICAL}       pt-technical-${SUFFIX}
${LIMITED}         pt-limited-${SUFFIX}
${WAITING}         pt-waiting-${SUFFIX}
${FATAL}           pt-fatal-${SUFFIX}
${SIGNALLED}       pt-signal-${SUFFIX}
${SIGNAL_FAILS}    pt-signal-fails-${SUFFIX}
${LOOP_FAILING}    pt-loop-failing-${SUFFIX}
${LOOP_PASSING}    pt-loop-passing-${SUFFIX}
${ORDER}           pt-order-${SUFFIX}
@{TRIGGERS}
...                ${ALL_TRIGGER}    ${FAILING}    ${TECHNICAL}    ${LIMITED}    ${WAITING}
...                ${FATAL}    ${SIGNALLED}    ${SIGNAL_FAILS}    ${LOOP_FAILING}    ${LOOP_PASSING}    ${ORDER}
${ROOT}            ${{ os.path.normpath(r'${CURDIR}/../..') }}
${BOT}             ${ROOT}/tests/bots/process_trigger_bot.robot
${WORK}            %{ACCEPTANCE_WORK_DIR=${OUTPUT_DIR}}/process_trigger_${SUFFIX}
@{NEW_COMMENTS}    wait-${SUFFIX}-1    wait-${SUFFIX}-2


*** Test Cases ***
Every Comment Is Handled Once And The Run Says What It Did
    VAR    @{seen}=    @{EMPTY}
    ${summary}=    Process Trigger    ${ALL_TRIGGER}    Remember Comment    ${seen}    size=32
    Length Should Be    ${seen}    ${DEMO_COMMENTS}
    List Should Not Contain Duplicates    ${seen}
    Should Be Equal As Integers    ${summary.processed}    ${DEMO_COMMENTS}
    Should Be Equal As Integers    ${summary.exceptions}    0
    Should Be Equal As Integers    ${summary.batches}    10
    Should Be True    ${summary.end_of_stream}
    Should Be Equal    ${summary.stopped_because}    end_of_stream
    ${after}=    Fetch Trigger Batch    ${ALL_TRIGGER}    size=1
    Should Be Empty    ${after.results}    The trigger should be advanced past every comment.

A Failing Comment Is Tagged And The Rest Go On
    VAR    @{seen}=    @{EMPTY}
    ${summary}=    Process Trigger    ${FAILING}    Fail For Some Comments    ${seen}    size=16
    Should Be Equal As Integers    ${summary.processed}    ${{ $DEMO_COMMENTS - 2 }}
    Should Be Equal As Integers    ${summary.exceptions}    2
    Length Should Be    ${seen}    ${{ $DEMO_COMMENTS - 2 }}
    ${tagged}=    Get Trigger Exceptions    ${FAILING}
    ${a0003}=    Uid Of Demo Comment    a0003
    ${a0005}=    Uid Of Demo Comment    a0005
    VAR    &{expected}=    ${a0003}=Broken comment a0003    ${a0005}=Missing Entity
    Dictionaries Should Be Equal    ${tagged}    ${expected}
    Should Be Equal As Integers    ${summary.exception_types}[Missing Entity]    1
    ${after}=    Fetch Trigger Batch    ${FAILING}    size=1
    Should Be Empty    ${after.results}

Bad Input Fails Before Anything Is Fetched
    [Documentation]    The trigger does not exist, so any fetch would fail with ``not found``: the
    ...    configuration error shows that nothing was fetched.
    Run Keyword And Expect Error
    ...    Process Trigger: keyword 'No Such Keyword' cannot be run: No keyword with name 'No Such Keyword' found.*
    ...    Process Trigger
    ...    ${CONFIG}
    ...    No Such Keyword
    Run Keyword And Expect Error
    ...    Process Trigger: keyword 'Remember Comment' cannot take these arguments: Keyword 'Remember Comment' expected 2 arguments, got 3.
    ...    Process Trigger
    ...    ${CONFIG}
    ...    Remember Comment
    ...    one
    ...    two
    Run Keyword And Expect Error    size must be from 1 to 1024, got 0.
    ...    Process Trigger    ${CONFIG}    Log    size=0
    Run Keyword And Expect Error    wait must be more than 0 seconds, got -1.
    ...    Process Trigger    ${CONFIG}    Log    wait=-1 s
    Run Keyword And Expect Error    poll_interval must be more than 0 seconds, got 0.
    ...    Process Trigger    ${CONFIG}    Log    poll_interval=0 s
    Run Keyword And Expect Error    max_items must be 1 or more, got 0.
    ...    Process Trigger    ${CONFIG}    Log    max_items=0
    Run Keyword And Expect Error    Process Trigger: on_batch keyword 'Nope' cannot be run: *
    ...    Process Trigger    ${CONFIG}    Log    on_batch=Nope
    Run Keyword And Expect Error    Business error (not found)*    Process Trigger    ${CONFIG}    Log

A Technical Error Stops Without Advancing Past The Comment In Hand
    [Documentation]    The keyword fails with a technical error for a0003 (say, its CRM is down after
    ...    retries): the run stops there, says what was done, and the trigger is advanced only up
    ...    to the comments before it. (A technical error of a library call after retries, a tag
    ...    refused with 500, is in main_job.robot.)
    VAR    @{seen}=    @{EMPTY}
    ${a0003}=    Uid Of Demo Comment    a0003
    ${error}=    Run Keyword And Expect Error    *
    ...    Process Trigger    ${TECHNICAL}    Fail For Some Comments    ${seen}    technical=${True}    size=16
    Should Start With    ${error}    Technical error (server): the CRM answered 503
    Should Contain
    ...    ${error}
    ...    Process Trigger '${TECHNICAL}' stopped: processed 2, 0 exception(s), stopped at comment ${a0003} (not advanced past it)
    ${next}=    Fetch Trigger Batch    ${TECHNICAL}    size=1
    Should Be Equal    ${next.results[0].uid}    ${a0003}

Max Items Stops Part-Way And Advances Up To What Was Done
    VAR    @{seen}=    @{EMPTY}
    ${summary}=    Process Trigger    ${LIMITED}    Remember Comment    ${seen}    size=8    max_items=10
    Should Be Equal    ${summary.stopped_because}    max_items
    Should Be Equal As Integers    ${summary.processed}    10
    ${next}=    Fetch Trigger Batch    ${LIMITED}    size=1
    List Should Not Contain Value    ${seen}    ${next.results[0].uid}
    ${order}=    Demo Comment Uids
    Should Be Equal    ${next.results[0].uid}    ${order}[10]

Waiting Returns After The Wait Without New Comments
    VAR    @{seen}=    @{EMPTY}
    ${started}=    Evaluate    time.monotonic()    modules=time
    ${summary}=    Process Trigger    ${WAITING}    Remember Comment    ${seen}    size=64
    ...    wait=1.5 s    poll_interval=0.2 s    max_poll_interval=0.4 s
    ${took}=    Evaluate    time.monotonic() - $started    modules=time
    Should Be Equal    ${summary.stopped_because}    wait_over
    Should Be Equal As Integers    ${summary.processed}    ${DEMO_COMMENTS}
    Should Be True    ${took} >= 1.5
    # 5 batches with comments, then empty polls about 0.2, 0.4, 0.4, 0.4 s apart.
    Should Be True    7 <= ${summary.batches} <= 11    ${summary.batches} batches

A Fatal Failure Advances Nothing Past It
    ${result}=    Run Bot    ${FATAL}    fatal    process    --variable    FATAL_ID:a0012
    Should Not Be Equal As Integers    ${result.rc}    0
    Should Contain    ${result.stdout}    Cannot go on with comment a0012
    ${a0012}=    Uid Of Demo Comment    a0012
    Should Contain    ${result.stdout}    stopped at comment ${a0012} (not advanced past it)
    ${handled}=    Handled Uids    fatal
    ${order}=    Demo Comment Uids
    Lists Should Be Equal    ${handled}    ${order}[:11]
    ${next}=    Fetch Trigger Batch    ${FATAL}    size=1
    Should Be Equal    ${next.results[0].uid}    ${a0012}
    Token Should Not Be In    ${WORK}/fatal/output.xml    ${WORK}/fatal-console.txt

The Log Shows Batches And Exceptions But Not Every Comment
    [Documentation]    The fatal bot's output.xml (default ``item_log=failures``): one line per batch,
    ...    the fatal failure, and no keyword of the comments that passed.
    ${messages}=    Get Log Messages    ${WORK}/fatal/output.xml
    ${batches}=    Evaluate    [m for m in $messages if m.startswith('Batch ')]
    Length Should Be    ${batches}    2
    Should Contain Match    ${messages}    Cannot go on with comment a0012*
    ${kept}=    Grep File    ${WORK}/fatal/output.xml    name="Handle Comment"
    Should Be Empty    ${kept}    Passing comments' keywords should not be written.

SIGTERM In The Middle Of A Batch Loses Nothing
    [Documentation]    The bot takes 0.2 s per comment in batches of 32; SIGTERM arrives mid-batch. The
    ...    comment in hand is finished, the trigger is advanced exactly past what was done.
    ${process}=    Start Bot    ${SIGNALLED}    signal    process    --variable    SLEEP:0.2 s
    ...    --variable    SIZE:32
    Wait Until Keyword Succeeds    2 min    0.1 s    Handled Count Should Be At Least    signal    5
    Send Signal To Process    SIGTERM    ${process}
    ${result}=    Wait For Process    ${process}    timeout=1 min    on_timeout=kill
    Log    ${result.stdout}
    Should Be Equal As Integers    ${result.rc}    0    Process Trigger as the last keyword: a clean stop passes.
    ${handled}=    Handled Uids    signal
    ${count}=    Get Length    ${handled}
    Should Be True    5 <= ${count} < 32    The signal should arrive in the first batch (${count} done).
    ${order}=    Demo Comment Uids
    Lists Should Be Equal    ${handled}    ${order}[:${count}]
    ${messages}=    Get Log Messages    ${WORK}/signal/output.xml
    Should Contain Match    ${messages}
    ...    Process Trigger '${SIGNALLED}': processed ${count}, 0 exception(s) in 1 batch(es)*stopped because: signal.
    ${next}=    Fetch Trigger Batch    ${SIGNALLED}    size=1
    Should Be Equal    ${next.results[0].uid}    ${order}[${count}]

With fail_on_signal A SIGTERM Fails The Task After The Clean Stop
    [Documentation]    For schedulers that read exit code 0 as "ran to its end": the comment in hand is
    ...    finished and the trigger advanced past what was done, then the task fails saying so.
    ${process}=    Start Bot    ${SIGNAL_FAILS}    signal-fails    process    --variable    SLEEP:0.2 s
    ...    --variable    SIZE:32    --variable    FAIL_ON_SIGNAL:True
    Wait Until Keyword Succeeds    2 min    0.1 s    Handled Count Should Be At Least    signal-fails    3
    Send Signal To Process    SIGTERM    ${process}
    ${result}=    Wait For Process    ${process}    timeout=1 min    on_timeout=kill
    Log    ${result.stdout}
    Should Be Equal As Integers    ${result.rc}    1
    ${handled}=    Handled Uids    signal-fails
    ${count}=    Get Length    ${handled}
    ${messages}=    Get Log Messages    ${WORK}/signal-fails/output.xml
    Should Contain Match
    ...    ${messages}
    ...    Process Trigger '${SIGNAL_FAILS}' stopped by SIGTERM (fail_on_signal=True): ${count} processed, 0 exception(s) in 1 batch(es), the comment in hand finished; trigger at *. Nothing is lost*
    ${order}=    Demo Comment Uids
    Lists Should Be Equal    ${handled}    ${order}[:${count}]
    ${next}=    Fetch Trigger Batch    ${SIGNAL_FAILS}    size=1
    Should Be Equal    ${next.results[0].uid}    ${order}[${count}]

The Outcome Listener Tags The Failing Comment And Advances Up To It
    [Documentation]    A hand-written loop without Advance Trigger, ``advance_on_outcome=True``: the
    ...    comment whose iteration fails is tagged, and the trigger is advanced past the comments
    ...    handled before it and past the tagged one, not further.
    ${result}=    Run Bot    ${LOOP_FAILING}    loop-failing    loop    --variable    FAIL_ID:a0011
    ...    --variable    OUTCOME:True
    Should Be Equal As Integers    ${result.rc}    1
    ${a0011}=    Uid Of Demo Comment    a0011
    ${tagged}=    Get Trigger Exceptions    ${LOOP_FAILING}
    VAR    &{expected}=    ${a0011}=Broken comment a0011
    Dictionaries Should Be Equal    ${tagged}    ${expected}
    ${order}=    Demo Comment Uids
    ${next}=    Fetch Trigger Batch    ${LOOP_FAILING}    size=1
    Should Be Equal    ${next.results[0].uid}    ${order}[11]

The Outcome Listener Advances Every Batch Of A Passing Loop
    ${result}=    Run Bot    ${LOOP_PASSING}    loop-passing    loop    --variable    OUTCOME:True
    Should Be Equal As Integers    ${result.rc}    0
    ${handled}=    Handled Uids    loop-passing
    Length Should Be    ${handled}    ${DEMO_COMMENTS}
    ${next}=    Fetch Trigger Batch    ${LOOP_PASSING}    size=1
    Should Be Empty    ${next.results}
    ${messages}=    Get Log Messages    ${WORK}/loop-passing/output.xml
    ${advanced}=    Evaluate
    ...    [m for m in $messages if m.startswith('Advanced trigger') and 'the loop iteration passed' in m]
    # The last batch of 8 reaches the end of the stream: 40 batches, each advanced once.
    Length Should Be    ${advanced}    ${{ $DEMO_COMMENTS // 8 }}

The Triage Robot Waits For New Comments And Stops Cleanly On SIGTERM
    [Documentation]    ``--variable WAIT:forever`` on a sandbox of its own (comments are added to it,
    ...    which suites running in parallel must not see): the robot routes the inbox, keeps
    ...    polling, routes two comments added while it waits, and on SIGTERM stops cleanly
    ...    (report written, nothing lost, the trigger past everything it routed).
    VAR    ${queues}=    ${WORK}/waiting/queues
    ${own}=    Start A Sandbox Of Its Own
    VAR    ${url}=    ${own.url}
    VAR    ${token}=    ${own.token}
    ${process}=    Start Triage Task    routing    waiting    ${queues}    --variable    WAIT:forever
    ...    --variable    POLL_INTERVAL:0.2 s    --variable    MAX_POLL_INTERVAL:0.5 s    sandbox=${own}
    Wait Until Keyword Succeeds    3 min    0.2 s    Work Items Should Exist    ${queues}    ${DEMO_COMMENTS}
    Sleep    1 s    # let it poll the empty stream a few times
    Add Comments To The Sandbox    ${url}    ${token}    @{NEW_COMMENTS}
    Wait Until Keyword Succeeds    1 min    0.2 s    Work Items Should Exist    ${queues}    ${{ $DEMO_COMMENTS + 2 }}
    Process Should Be Running    ${process}    The robot should keep waiting for more.
    Stop With SIGTERM    ${process}
    Report Should Say Stopped By Signal    ${WORK}/waiting    ${{ $DEMO_COMMENTS + 2 }}
    Queues Should Hold Comments    ${queues}    @{NEW_COMMENTS}
    Trigger Should Be Read To Its End    ${url}    ${token}
    [Teardown]    Stop The Sandbox Of Its Own


*** Keywords ***
Start A Sandbox Of Its Own
    [Documentation]    Start a demo sandbox for one test; return its ``url`` and ``token`` (a Secret).
    ${url}=    Start Reinfer Sandbox    set_environment=False
    ${token}=    Get Sandbox Token
    VAR    &{own}=    url=${url}    token=${token}
    RETURN    ${own}

Report Should Say Stopped By Signal
    [Documentation]    The triage report in ``${folder}`` counts ``${comments}`` and says the run stopped on a signal.
    [Arguments]    ${folder}    ${comments}
    ${report}=    Read Report    ${folder}
    Should Be Equal    ${report}[stopped_because]    signal
    Should Be Equal As Integers    ${report}[comments]    ${comments}

Trigger Should Be Read To Its End
    [Documentation]    The ``routing`` trigger of the sandbox at ``${url}`` has nothing left to give.
    [Arguments]    ${url}    ${token}
    Connect To Reinfer    url=${url}    token=${token}    dataset=acme/retail-inbox    alias=own
    ${after}=    Fetch Trigger Batch    routing    size=1
    Should Be Empty    ${after.results}    The trigger should be past every routed comment.

Stop The Sandbox Of Its Own
    [Documentation]    Stop the test's own sandbox and go back to the shared one.
    Stop Reinfer Sandbox
    Switch Reinfer Connection    sandbox

Add Comments To The Sandbox
    [Documentation]    Upload short emails with these comment ids to the demo source of the sandbox at ``${url}`` (the sync route).
    ...
    ...    Each says an order has not arrived, so the demo model labels it.
    [Arguments]    ${url}    ${token}    @{comment_ids}
    VAR    @{comments}=    @{EMPTY}
    FOR    ${comment_id}    IN    @{comment_ids}
        VAR    &{subject}=    text=Where is my order ACM-20${{ len($comments) }}999?
        VAR    &{body}=    text=Hi, my order ACM-20${{ len($comments) }}999 has not arrived and tracking says nothing.
        VAR    &{message}=    subject=${subject}    body=${body}    from=waiting@example.com
        VAR    &{comment}=    id=${comment_id}    timestamp=2026-01-05T09:00:00Z    messages=${{ [$message] }}
        Append To List    ${comments}    ${comment}
    END
    VAR    &{payload}=    comments=${comments}
    ${response}=    Evaluate
    ...    requests.post($url + "/api/v1/sources/acme/retail-inbox/sync", json=$payload, headers={"Authorization": "Bearer " + $token.value}, timeout=60)
    ...    modules=requests
    Should Be Equal As Integers    ${response.status_code}    200    Sync failed: ${response.text}    values=False

Create Triggers For This Suite
    [Documentation]    A trigger per test with the demo's model version (labels do not matter here).
    Connect To The Sandbox
    Create Directory    ${WORK}
    FOR    ${name}    IN    @{TRIGGERS}
        Create Trigger    ${name}    model_version=1    default=0.5    title=Process Trigger acceptance
    END

Remember Comment
    [Documentation]    Append the comment's uid to ``${seen}``.
    [Arguments]    ${item}    ${seen}
    Append To List    ${seen}    ${item.uid}

Fail For Some Comments
    [Documentation]    Fail for a0003 (a plain failure, or a technical error) and a0005 (a business error of the library); remember the rest.
    [Arguments]    ${item}    ${seen}    ${technical}=${False}
    IF    $item.comment.id == 'a0003' and $technical
        Fail    Technical error (server): the CRM answered 503 after 3 attempts.
    END
    IF    $item.comment.id == 'a0003'
        Fail    Broken comment a0003\nwith a second line
    END
    IF    $item.comment.id == 'a0005'
        Get Entity Value    ${item}    no_such_entity
    END
    Append To List    ${seen}    ${item.uid}

Demo Comment Uids
    [Documentation]    The demo comments' uids in stream order.
    ${batch}=    Fetch Everything    ${ORDER}
    ${uids}=    Evaluate    [item.uid for item in $batch.results]
    RETURN    ${uids}

Uid Of Demo Comment
    [Documentation]    The uid of a demo comment id (``a0003``).
    [Arguments]    ${comment_id}
    ${batch}=    Fetch Everything    ${ORDER}
    ${item}=    Find Item By Comment Id    ${batch}    ${comment_id}
    RETURN    ${item.uid}

Bot Command
    [Documentation]    The command line of the helper bot, task tag ``${task}`` (the token stays in the environment).
    [Arguments]    ${trigger}    ${run}    ${task}    @{options}
    VAR    @{command}=    ${{ sys.executable }}    -m    robot    --outputdir    ${WORK}/${run}
    ...    --include    ${task}    --variable    TRIGGER:${trigger}    --variable    RECORD:${WORK}/${run}.txt
    ...    --consolecolors    off    @{options}    ${BOT}
    RETURN    ${command}

Run Bot
    [Documentation]    Run the helper bot to its end; return the process result.
    [Arguments]    ${trigger}    ${run}    ${task}    @{options}
    ${command}=    Bot Command    ${trigger}    ${run}    ${task}    @{options}
    ${result}=    Run Process    @{command}    cwd=${ROOT}    env:PYTHONPATH=${ROOT}    env:REINFER_TOKEN=${TOKEN}
    ...    stdout=${WORK}/${run}-console.txt    stderr=STDOUT    timeout=5 min
    Log    ${result.stdout}
    RETURN    ${result}

Start Bot
    [Documentation]    Start the helper bot without waiting for it; return the handle.
    [Arguments]    ${trigger}    ${run}    ${task}    @{options}
    ${command}=    Bot Command    ${trigger}    ${run}    ${task}    @{options}
    ${process}=    Start Process    @{command}    cwd=${ROOT}    env:PYTHONPATH=${ROOT}    env:REINFER_TOKEN=${TOKEN}
    ...    stdout=${WORK}/${run}-console.txt    stderr=STDOUT
    RETURN    ${process}

Handled Uids
    [Documentation]    The uids the bot of run ``${run}`` finished, in order.
    [Arguments]    ${run}
    ${text}=    Get File    ${WORK}/${run}.txt
    ${uids}=    Evaluate    $text.split()
    RETURN    ${uids}

Handled Count Should Be At Least
    [Documentation]    Fail until the bot of run ``${run}`` finished ``${count}`` comments.
    [Arguments]    ${run}    ${count}
    File Should Exist    ${WORK}/${run}.txt
    ${handled}=    Handled Uids    ${run}
    Should Be True    len($handled) >= ${count}

Token Should Not Be In
    [Documentation]    None of the files contains the token.
    [Arguments]    @{files}
    FOR    ${file}    IN    @{files}
        ${text}=    Get File    ${file}
        Should Be True    $TOKEN.value not in $text    The token is in ${file}.
    END
