*** Settings ***
Documentation    One consumer per stream, and nothing processed twice: real robots in their own
...              processes against the sandbox.
...
...              The robots are ``tests/chaos/consumer.robot``: fetch, do the work (append the uid
...              to a log, which is not idempotent), `Mark Item Done`, advance.

Library          Collections
Library          OperatingSystem
Library          Process
Library          String
Library          ReinferLibrary
Resource         resources/common.resource

Suite Setup      Connect To The Sandbox

Test Tags        stream-safety


*** Variables ***
${ROOT}             ${{ os.path.normpath(r'${CURDIR}/../..') }}
${CONSUMER}         ${ROOT}/tests/chaos/consumer.robot
${KILLER}           ${CURDIR}/resources/KillAfterMarks.py
${SUFFIX}           ${{ uuid.uuid4().hex[:8] }}
${WORK}             %{ACCEPTANCE_WORK_DIR=${OUTPUT_DIR}}/stream_safety_${SUFFIX}
${DEMO_COMMENTS}    ${320}


*** Test Cases ***
A Second Robot On The Same Stream Is Refused With One Clear Line
    [Documentation]    The first robot holds the stream (it waits inside its first item); the second
    ...    fails at its first fetch, before fetching anything, naming the owner and how to take over.
    VAR    ${trigger}=    lease-${SUFFIX}
    Create Trigger    ${trigger}
    ${first}=    Start Consumer    ${trigger}    first    env:CHAOS_WORK_DELAY=30
    Wait Until Keyword Succeeds    60 s    0.2 s    Lease Should Be Held By Another    ${trigger}
    ${second}=    Run Consumer    ${trigger}    second
    Should Be Equal As Integers    ${second.rc}    1
    ${failure}=    Failure Of    ${WORK}/second/output.xml
    Should Match Regexp
    ...    ${failure}
    ...    ^Stream acme/retail-inbox/${trigger} at 127\\.0\\.0\\.1:\\d+ is leased by robot 'Consumer' \\(pid ${first.pid} on [^,]+, since [^)]+\\): a second consumer would process the same comments\\. Let that robot finish, give takeover=True if it is stuck or gone \\(it fails at its next keyword\\), or wait: its lease expires .+$
    Should Not Contain    ${failure}    \n
    File Should Not Exist    ${WORK}/second.log    The refused robot did some work.
    [Teardown]    Terminate All Processes    kill=True

A Crash Mid-Batch Processes No Item Twice
    [Documentation]    The robot is killed (SIGKILL) right after its 40th item's work, before that item is
    ...    recorded done: 8 items into its second batch of 32, before advancing it. The restart gets
    ...    that batch again, leaves out the 7 the ledger has as done and the 1 whose work the kill
    ...    interrupted (and says so), and no comment is worked on twice.
    VAR    ${trigger}=    ledger-${SUFFIX}
    Create Trigger    ${trigger}
    ${crashed}=    Run Consumer    ${trigger}    crashed    --listener    ${KILLER}:40:Do The Work
    Should Be Equal As Integers    ${crashed.rc}    -9
    ${restarted}=    Run Consumer    ${trigger}    restarted
    Should Be Equal As Integers    ${restarted.rc}    0    See ${WORK}/restarted/log.html
    Every Comment Should Be Worked On Once    ${WORK}/${trigger}.log
    ${skipped}=    Messages Containing    ${WORK}/restarted/output.xml
    ...    Skipped 7 comment(s) this machine's ledger has as finished
    Length Should Be    ${skipped}    1
    ${interrupted}=    Messages Containing    ${WORK}/restarted/output.xml
    ...    Left out 1 comment(s) whose work a crash interrupted
    # A warning stands twice in output.xml: in its keyword and among the run's errors.
    Length Should Be    ${{ set($interrupted) }}    1


*** Keywords ***
Connect To The Sandbox
    [Documentation]    The suite's own connection, to create triggers and look at leases.
    Connect To Reinfer    url=%{REINFER_URL}    token=${TOKEN}    dataset=${DATASET}
    Create Directory    ${WORK}

Consumer Command
    [Documentation]    The command line of one consumer run, named ``Consumer``, logging at TRACE.
    [Arguments]    ${trigger}    ${run}    @{options}
    VAR    @{command}=    ${{ sys.executable }}    -m    robot    --outputdir    ${WORK}/${run}
    ...    --name    Consumer    --variable    TRIGGER:${trigger}
    ...    --variable    WORK_LOG:${WORK}/${trigger}.log    --loglevel    TRACE    @{options}    ${CONSUMER}
    RETURN    ${command}

Run Consumer
    [Documentation]    Run the consumer robot to its end in its own process (the token only in its environment).
    [Arguments]    ${trigger}    ${run}    @{options}
    ${command}=    Consumer Command    ${trigger}    ${run}    @{options}
    ${result}=    Run Process    @{command}    cwd=${ROOT}    env:PYTHONPATH=${ROOT}
    ...    env:REINFER_TOKEN=${TOKEN}    stdout=${WORK}/${run}-console.txt    stderr=STDOUT    timeout=5 min
    RETURN    ${result}

Start Consumer
    [Documentation]    Start the consumer robot in its own process without waiting; return the handle.
    [Arguments]    ${trigger}    ${run}    &{environment}
    ${command}=    Consumer Command    ${trigger}    ${run}
    ${process}=    Start Process    @{command}    cwd=${ROOT}    env:PYTHONPATH=${ROOT}
    ...    env:REINFER_TOKEN=${TOKEN}    &{environment}    stdout=${WORK}/${run}-console.txt    stderr=STDOUT
    RETURN    ${process}

Every Comment Should Be Worked On Once
    [Documentation]    The work log has one line per demo comment, none twice.
    [Arguments]    ${work_log}
    ${done}=    Get File    ${work_log}
    @{uids}=    Split To Lines    ${done}
    Length Should Be    ${uids}    ${DEMO_COMMENTS}
    List Should Not Contain Duplicates    ${uids}

Lease Should Be Held By Another
    [Documentation]    The trigger's lease is held by a ``Consumer`` robot, not by this suite.
    [Arguments]    ${trigger}
    ${lease}=    Get Trigger Lease    ${trigger}
    Should Not Be Equal    ${lease}    ${None}
    Should Be Equal    ${lease.robot}    Consumer
    Should Not Be True    ${lease.mine}

Failure Of
    [Documentation]    The failure message of the (only) task in an output.xml.
    [Arguments]    ${output}
    ${text}=    Evaluate
    ...    [t.message for t in __import__('robot.api', fromlist=['ExecutionResult']).ExecutionResult($output).suite.all_tests][0]
    RETURN    ${text}

Messages Containing
    [Documentation]    The log messages in an output.xml that contain ``${text}``.
    [Arguments]    ${output}    ${text}
    ${xml}=    Get File    ${output}
    ${found}=    Evaluate
    ...    (lambda needle, xml: [m for m in re.findall(r'<msg [^>]*>([^<]*)</msg>', xml) if needle in html.unescape(m)])($text, $xml)
    ...    modules=re,html
    RETURN    ${found}
