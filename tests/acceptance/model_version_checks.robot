*** Settings ***
Documentation     The model version a trigger answers with, compared with the robot's thresholds
...               while it reads: Fetch Trigger Batch warns once per trigger and config when they
...               differ. The drift guard's checks of a trigger (Verify Model Configuration
...               ``trigger=``) are in predictions.robot.
...
...               The trigger is created by this suite with a unique name and deleted afterwards;
...               the shared ``routing`` trigger is never read or moved.

Library           OperatingSystem
Library           Process
Library           ReinferLibrary
Library           resources/RobotOutput.py

Suite Setup       Connect To Reinfer    dataset=acme/retail-inbox
Suite Teardown    Close All Reinfer Connections

Test Tags         predictions    trigger


*** Variables ***
${SUFFIX}              ${{ uuid.uuid4().hex[:8] }}
${VERSIONS_TRIGGER}    versions-${SUFFIX}
${TWO_FETCHES}
...                    SEPARATOR=\n
...                    *** Settings ***
...                    Library${SPACE*4}ReinferLibrary
...                    ${EMPTY}
...                    *** Test Cases ***
...                    Fetch With Thresholds Of Another Version
...                    ${SPACE*4}Connect To Reinfer${SPACE*4}dataset=acme/retail-inbox
...                    ${SPACE*4}\${staging}=${SPACE*4}Load Thresholds${SPACE*4}\${STAGING_FILE}
...                    ${SPACE*4}\${live}=${SPACE*4}Load Thresholds${SPACE*4}\${LIVE_FILE}
...                    ${SPACE*4}FOR${SPACE*4}\${config}${SPACE*4}IN${SPACE*4}\${staging}${SPACE*4}\${staging}${SPACE*4}\${live}
...                    ${SPACE*8}Fetch Trigger Batch${SPACE*4}\${TRIGGER}${SPACE*4}size=2${SPACE*4}thresholds=\${config}${SPACE*4}log_items=False
...                    ${SPACE*4}END


*** Test Cases ***
Fetch Trigger Batch Warns Once When The Answers Come From Another Version
    [Documentation]    A separate robot fetches twice with thresholds for staging and once with
    ...    thresholds for live from a trigger pinned to version 1: exactly one warning.
    [Setup]    Create Trigger    ${VERSIONS_TRIGGER}    model_version=1    default=0.3
    VAR    ${work}=    %{ACCEPTANCE_WORK_DIR=${OUTPUT_DIR}}/versions-${SUFFIX}
    Create File    ${work}/staging.yaml    model_version: staging\ndefault: 0.5\n
    Create File    ${work}/live.yaml    model_version: live\ndefault: 0.5\n
    Create File    ${work}/two_fetches.robot    ${TWO_FETCHES}
    ${result}=    Run Process    ${{ sys.executable }}    -m    robot    --output    ${work}/output.xml
    ...    --log    NONE    --report    NONE    --variable    TRIGGER:${VERSIONS_TRIGGER}
    ...    --variable    STAGING_FILE:${work}/staging.yaml    --variable    LIVE_FILE:${work}/live.yaml
    ...    ${work}/two_fetches.robot    stdout=${work}/console.txt    stderr=STDOUT    timeout=5 min
    Should Be Equal As Integers    ${result.rc}    0    ${result.stdout}
    ${warnings}=    Get Log Messages    ${work}/output.xml    level=WARN
    VAR    ${expected}=
    ...    Trigger '${VERSIONS_TRIGGER}' of acme/retail-inbox answers with model version 1, but the robot's
    ...    thresholds are for model version 'staging' = 2: they threshold confidences they were not chosen
    ...    for; load the thresholds made for version 1, or move the trigger (Verify Model Configuration
    ...    with trigger= checks this before a run).
    Should Be Equal    ${warnings}    ${{ [$expected] }}
    [Teardown]    Delete Trigger    ${VERSIONS_TRIGGER}    missing_ok=True
