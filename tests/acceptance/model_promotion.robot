*** Settings ***
Documentation       The example business-process suite, robots/tests/model_promotion.robot, run as a team runs it.
...
...                 Each run is a separate ``python -m robot`` process against the sandbox that
...                 the acceptance runner started (REINFER_URL and REINFER_TOKEN in the
...                 environment). The demo tenant's ``staging`` model (version 2) must pass the
...                 promotion checks against ``live`` (version 1); the other way round, the
...                 comparison must catch the weaker model.

Library             OperatingSystem
Library             Process

Test Tags           main-job    predictions


*** Variables ***
${ROOT}         ${{ os.path.normpath(r'${CURDIR}/../..') }}
${SUITE}        ${ROOT}/robots/tests/model_promotion.robot
${WORK}         ${OUTPUT_DIR}/model_promotion_${{ uuid.uuid4().hex[:8] }}


*** Test Cases ***
Staging Passes The Promotion Suite Against Live
    ${result}=    Run Promotion Suite    staging-vs-live
    Should Be Equal As Integers    ${result.rc}    0    The suite failed: see ${WORK}/staging-vs-live/log.html
    Should Contain    ${result.stdout}    3 tests, 3 passed, 0 failed

The Suite Catches A Candidate Less Sure Than Live
    [Documentation]    Version 1 as the candidate against version 2, allowing no drop in confidence.
    ${result}=    Run Promotion Suite    v1-vs-v2
    ...    CANDIDATE:1    CURRENT:2    ALLOWED_DROP:0
    Should Be Equal As Integers    ${result.rc}    1
    Should Contain    ${result.stdout}    The Candidate Scores No Worse Than Live
    Should Contain    ${result.stdout}    1 is less sure of the expected labels


*** Keywords ***
Run Promotion Suite
    [Documentation]    Run the example suite in its own process; return the process result.
    [Arguments]    ${run}    @{variables}
    VAR    @{options}=    @{EMPTY}
    FOR    ${variable}    IN    @{variables}
        VAR    @{options}=    @{options}    --variable    ${variable}
    END
    Create Directory    ${WORK}
    ${result}=    Run Process    ${{ sys.executable }}    -m    robot    --outputdir    ${WORK}/${run}
    ...    --consolecolors    off    @{options}    ${SUITE}
    ...    cwd=${ROOT}    env:PYTHONPATH=${ROOT}    stdout=${WORK}/${run}-console.txt    stderr=STDOUT
    ...    timeout=10 min
    Log    ${result.stdout}
    RETURN    ${result}
