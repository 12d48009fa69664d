*** Settings ***
Documentation       The main job end to end: robots/tasks/triage_inbox.robot run as a user runs it.
...
...                 Each run is a separate ``python -m robot`` process against the sandbox that
...                 the acceptance runner started (REINFER_URL and REINFER_TOKEN in the
...                 environment), on triggers created for this suite only, so other suites
...                 reading ``routing`` are not disturbed. The outputs are checked on disk:
...                 one work item per demo comment across all queue folders (the exceptions
...                 queue included), the trigger read to its end, nothing new on a second run,
...                 and nothing lost or doubled when a run dies before advancing.

Library             Collections
Library             OperatingSystem
Library             Process
Library             ReinferLibrary

Suite Setup         Create Triggers For This Suite
Suite Teardown      Delete Triggers Of This Suite

Test Tags           main-job


*** Variables ***
${TOKEN: Secret}        %{REINFER_TOKEN}
${DATASET}              acme/retail-inbox
${ROOT}                 ${{ os.path.normpath(r'${CURDIR}/../..') }}
${TASK}                 ${ROOT}/robots/tasks/triage_inbox.robot
${THRESHOLDS_FILE}      ${ROOT}/robots/config/thresholds.yaml
${DEMO_COMMENTS}        ${320}
${BATCH_SIZE}           ${32}
${SUFFIX}               ${{ uuid.uuid4().hex[:8] }}
${TRIGGER}              main-job-${SUFFIX}
${CRASH_TRIGGER}        main-job-crash-${SUFFIX}
${KILL_TRIGGER}         main-job-kill-${SUFFIX}
${WORK}                 ${OUTPUT_DIR}/main_job_${SUFFIX}


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
    Should Be True    ${report}[exceptions] > 0    The demo inbox has comments no label clears.
    ${exceptions}=    Count Files In Directory    ${WORK}/first/queues/exceptions    *.json
    Should Be Equal As Integers    ${exceptions}    ${report}[exceptions]

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
    [Documentation]    The first run stops dead after three batches, the third written but not advanced.
    ...    The restart gets that batch again, rewrites the same files and carries on.
    VAR    ${queues}=    ${WORK}/crash/queues
    ${crashed}=    Run Triage Task    ${CRASH_TRIGGER}    crash-1    ${queues}    CRASH_AFTER_BATCHES:3
    Should Not Be Equal As Integers    ${crashed.rc}    0
    Should Contain    ${crashed.stdout}    Simulated crash after batch 3
    ${written}=    Work Item Uids    ${queues}
    Length Should Be    ${written}    ${{ 3 * $BATCH_SIZE }}
    ${again}=    Fetch Trigger Batch    ${CRASH_TRIGGER}    size=${BATCH_SIZE}    log_items=False
    List Should Contain Value    ${written}    ${again.results[0].uid}
    ...    The trigger should still be at the third batch, whose work items are on disk.
    ${restarted}=    Run Triage Task    ${CRASH_TRIGGER}    crash-2    ${queues}
    Should Be Equal As Integers    ${restarted.rc}    0    The restart failed: see ${WORK}/crash-2/log.html
    ${uids}=    Work Item Uids    ${queues}
    Length Should Be    ${uids}    ${DEMO_COMMENTS}
    List Should Not Contain Duplicates    ${uids}
    ${report}=    Read Report    ${WORK}/crash-2
    Should Be Equal As Integers    ${report}[comments]    ${{ $DEMO_COMMENTS - 2 * $BATCH_SIZE }}
    Should Be Equal As Integers    ${report}[redelivered]    ${BATCH_SIZE}

A Killed Run Loses And Doubles Nothing
    [Documentation]    The robot process is killed (SIGKILL on POSIX) while it writes work items, then run again.
    VAR    ${queues}=    ${WORK}/kill/queues
    ${process}=    Start Triage Task    ${KILL_TRIGGER}    kill-1    ${queues}
    # Past the first batch (advanced) and into the second (not advanced yet).
    Wait Until Keyword Succeeds    2 min    0.05 s    Work Items Should Exist    ${queues}    ${{ $BATCH_SIZE + 8 }}
    Terminate Process    ${process}    kill=True
    ${before}=    Work Item Uids    ${queues}
    ${count}=    Get Length    ${before}
    Log    Killed with ${count} of ${DEMO_COMMENTS} work items written.
    ${restarted}=    Run Triage Task    ${KILL_TRIGGER}    kill-2    ${queues}
    Should Be Equal As Integers    ${restarted.rc}    0    The restart failed: see ${WORK}/kill-2/log.html
    ${uids}=    Work Item Uids    ${queues}
    Length Should Be    ${uids}    ${DEMO_COMMENTS}
    List Should Not Contain Duplicates    ${uids}
    Every Work Item Should Be Whole    ${queues}


*** Keywords ***
Create Triggers For This Suite
    [Documentation]    Three new triggers with the robot's own model version and thresholds.
    Connect To Reinfer    url=%{REINFER_URL}    token=${TOKEN}    dataset=${DATASET}
    ${config}=    Load Thresholds    ${THRESHOLDS_FILE}
    Create Directory    ${WORK}
    FOR    ${name}    IN    ${TRIGGER}    ${CRASH_TRIGGER}    ${KILL_TRIGGER}
        Create Trigger    ${name}    thresholds=${config}    title=Main job acceptance (${name})
    END

Delete Triggers Of This Suite
    [Documentation]    Remove the suite's triggers, also when a test failed half-way.
    FOR    ${name}    IN    ${TRIGGER}    ${CRASH_TRIGGER}    ${KILL_TRIGGER}
        Delete Trigger    ${name}    missing_ok=True
    END
    Close All Reinfer Connections

Triage Command
    [Documentation]    The command line of one triage run (the token stays in the environment).
    [Arguments]    ${trigger}    ${run}    ${queues}    @{variables}
    VAR    @{options}=    @{EMPTY}
    FOR    ${variable}    IN    @{variables}
        Append To List    ${options}    --variable    ${variable}
    END
    VAR    @{command}=    ${{ sys.executable }}    -m    robot    --outputdir    ${WORK}/${run}
    ...    --variable    TRIGGER:${trigger}    --variable    QUEUE_DIR:${queues}    --consolecolors    off
    ...    @{options}    ${TASK}
    RETURN    ${command}

Run Triage Task
    [Documentation]    Run the triage task to its end in its own process; return the process result.
    [Arguments]    ${trigger}    ${run}    ${queues}    @{variables}
    ${command}=    Triage Command    ${trigger}    ${run}    ${queues}    @{variables}
    ${result}=    Run Process    @{command}    cwd=${ROOT}    env:PYTHONPATH=${ROOT}
    ...    stdout=${WORK}/${run}-console.txt    stderr=STDOUT    timeout=10 min
    Log    ${result.stdout}
    RETURN    ${result}

Start Triage Task
    [Documentation]    Start the triage task in its own process without waiting for it; return the handle.
    [Arguments]    ${trigger}    ${run}    ${queues}
    ${command}=    Triage Command    ${trigger}    ${run}    ${queues}
    ${process}=    Start Process    @{command}    cwd=${ROOT}    env:PYTHONPATH=${ROOT}
    ...    stdout=${WORK}/${run}-console.txt    stderr=STDOUT
    RETURN    ${process}

Work Item Uids
    [Documentation]    The file names (comment uids) of every work item in every queue folder, repeats kept.
    [Arguments]    ${queues}
    VAR    @{uids}=    @{EMPTY}
    ${folders}=    List Directories In Directory    ${queues}
    FOR    ${folder}    IN    @{folders}
        ${files}=    List Files In Directory    ${queues}/${folder}    *.json
        FOR    ${file}    IN    @{files}
            Append To List    ${uids}    ${file[:-5]}
        END
    END
    RETURN    ${uids}

Work Items Should Belong To Queue
    [Documentation]    Each file names its own comment uid and this queue.
    [Arguments]    ${folder}    ${queue}    @{files}
    FOR    ${file}    IN    @{files}
        ${text}=    Get File    ${folder}/${file}
        ${work_item}=    Evaluate    json.loads($text)
        Should Be Equal    ${work_item}[uid].json    ${file}
        Should Be Equal    ${work_item}[queue]    ${queue}
        Should Not Be Empty    ${work_item}[subject]
    END

Read Report
    [Documentation]    The report.json a triage run wrote into ``${folder}``.
    [Arguments]    ${folder}
    ${text}=    Get File    ${folder}/report.json
    ${report}=    Evaluate    json.loads($text)
    RETURN    ${report}

Work Items Should Exist
    [Documentation]    Pass once at least ``${count}`` work item files are on disk.
    [Arguments]    ${queues}    ${count}
    ${uids}=    Work Item Uids    ${queues}
    ${written}=    Get Length    ${uids}
    Should Be True    ${written} >= ${count}

Every Work Item Should Be Whole
    [Documentation]    Every ``.json`` file in the queue folders is complete JSON.
    ...
    ...    Work items are written to a temporary file and renamed, so a kill can leave at
    ...    most a ``.<uid>.json.<random>.tmp`` file, never a half-written ``<uid>.json``.
    [Arguments]    ${queues}
    ${folders}=    List Directories In Directory    ${queues}
    FOR    ${folder}    IN    @{folders}
        ${files}=    List Files In Directory    ${queues}/${folder}    *.json
        FOR    ${file}    IN    @{files}
            ${text}=    Get File    ${queues}/${folder}/${file}
            Evaluate    json.loads($text)
        END
    END
