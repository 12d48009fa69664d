*** Settings ***
Documentation    A small bot that tests/acceptance/process_trigger.robot runs in a process of its own.
...
...              The tests that stop a run (``Fatal Error``, SIGTERM, a failing hand-written loop)
...              cannot run in the test process itself: a fatal error would stop every suite
...              after it. Every comment the bot finishes is appended to ``${RECORD}`` (one
...              uid a line), so a test can compare what was done with where the trigger is.
...              ``REINFER_URL`` and ``REINFER_TOKEN`` come from the environment.

Library          OperatingSystem
Library          ReinferLibrary    advance_on_outcome=${OUTCOME}


*** Variables ***
${TRIGGER}           process-trigger-bot
${RECORD}            ${OUTPUT_DIR}/handled.txt
${SIZE}              ${8}
${FATAL_ID}          none
${FAIL_ID}           none
${SLEEP}             0 s
${OUTCOME}           False
${FAIL_ON_SIGNAL}    False


*** Tasks ***
Process The Trigger
    [Documentation]    The bot written with Process Trigger, its last keyword (as in a bot a supervisor stops).
    [Tags]    process
    VAR    ${summary}=    ${None}    # robocop: off=VAR03
    Connect To Reinfer    dataset=acme/retail-inbox
    ${summary}=    Process Trigger    ${TRIGGER}    Handle Comment    size=${SIZE}    fail_on_signal=${FAIL_ON_SIGNAL}
    [Teardown]    Log To Console    \nSUMMARY ${summary}

Loop Over The Trigger
    [Documentation]    The bot written as the README's loop, without Advance Trigger: the outcome listener advances.
    [Tags]    loop
    Connect To Reinfer    dataset=acme/retail-inbox
    WHILE    True    limit=NONE
        ${batch}=    Fetch Trigger Batch    ${TRIGGER}    size=${SIZE}
        FOR    ${item}    IN    @{batch.results}
            Handle Comment    ${item}
        END
        IF    ${batch.is_end_sequence}    BREAK
    END


*** Keywords ***
Handle Comment
    [Documentation]    Finish one comment: record its uid. Fails for ``FAIL_ID``, fatally for ``FATAL_ID``.
    [Arguments]    ${item}
    IF    $item.comment.id == $FATAL_ID
        Fatal Error    Cannot go on with comment ${item.comment.id}
    END
    IF    $item.comment.id == $FAIL_ID
        Fail    Broken comment ${item.comment.id}
    END
    Sleep    ${SLEEP}
    Append To File    ${RECORD}    ${item.uid}\n
