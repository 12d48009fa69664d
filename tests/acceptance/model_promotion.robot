*** Settings ***
Documentation     The example business-process suite, robots/tests/model_promotion.robot, run as a team runs it.
...
...               Each run is a separate ``python -m robot`` process against the sandbox that
...               the acceptance runner started (REINFER_URL and REINFER_TOKEN in the
...               environment). The demo tenant's ``staging`` model (version 2) must pass the
...               promotion checks against ``live`` (version 1); the other way round, the
...               comparison must catch the weaker model. A known email with a wrong queue, and a
...               candidate clearing labels a known email should not get, must fail the suite;
...               a label held to the file's ``default`` must still get a readable failure.

Library           OperatingSystem
Library           Process
Library           ReinferLibrary
Resource          resources/common.resource

Suite Setup       Set Up Promotion Suite
Suite Teardown    Close All Reinfer Connections

Test Tags         main-job    predictions


*** Variables ***
${ROOT}              ${{ os.path.normpath(r'${CURDIR}/../..') }}
${SUITE}             ${ROOT}/robots/tests/model_promotion.robot
${KNOWN_EMAILS}      ${ROOT}/robots/tests/known_emails.yaml
# One low threshold for every label: more labels clear, so the two demo models differ.
${LOW_THRESHOLDS}    ${WORK}/low-thresholds.yaml
${WORK}              %{ACCEPTANCE_WORK_DIR=${OUTPUT_DIR}}/model_promotion_${{ uuid.uuid4().hex[:8] }}
${FIRST_EMAIL}       Parcel marked delivered but never arrived


*** Test Cases ***
Staging Passes The Promotion Suite Against Live
    ${result}=    Run Promotion Suite    staging-vs-live
    Should Be Equal As Integers    ${result.rc}    0    The suite failed: see ${WORK}/staging-vs-live/log.html
    Should Contain    ${result.stdout}    4 tests, 4 passed, 0 failed

The Suite Catches A Candidate Less Sure Than Live
    [Documentation]    Version 1 as the candidate against version 2, allowing no drop in confidence.
    ${result}=    Run Promotion Suite    v1-vs-v2
    ...    --variable    CANDIDATE:1    --variable    CURRENT:2    --variable    ALLOWED_DROP:0
    Should Be True    ${result.rc} >= 1    The weaker candidate passed: see ${WORK}/v1-vs-v2/log.html
    Should Match Regexp    ${result.stdout}    The Candidate Scores No Worse Than Live [^\n]*\\| FAIL \\|
    Should Match Regexp    ${result.stdout}
    ...    1 is less sure of the expected labels \\(mean 0\\.\\d+\\) than 2 \\(mean 0\\.\\d+\\)\\.

The Suite Catches A Known Email In The Wrong Queue
    [Documentation]    The first known email is said to belong to ``carrier``; the robot's routing sends it to ``fulfilment``.
    ${emails}=    Known Emails With    first_queue=carrier
    ${result}=    Run Promotion Suite    wrong-queue    --variable    KNOWN_EMAILS_FILE:${emails}
    Should Be Equal As Integers    ${result.rc}    1
    Should Contain
    ...    ${result.stdout}
    ...    Known email '${FIRST_EMAIL}' goes to queue 'fulfilment' on model staging, not 'carrier'; labels that cleared: ['Order > Missing'].
    Should Contain    ${result.stdout}    4 tests, 3 passed, 1 failed

The Suite Catches A Candidate With More Unexpected Labels
    [Documentation]    Each known email is said to have exactly the labels one model gives it at a low
    ...    threshold (so that model clears no unexpected label); the other model, as the
    ...    candidate, must then be caught for every label it clears beyond those. Built from
    ...    the models' own answers, so it holds whatever the demo models predict, as long as
    ...    they differ somewhere.
    ${pair}=    Models That Differ On Known Emails
    VAR    ${candidate}=    ${pair}[candidate]
    VAR    ${current}=    ${pair}[current]
    VAR    ${extra}=    ${pair}[extra]
    ${emails}=    Known Emails With    allowed=${False}    labels=${pair}[expected]
    ${result}=    Run Promotion Suite    unexpected    --variable    KNOWN_EMAILS_FILE:${emails}
    ...    --variable    CANDIDATE:${candidate}    --variable    CURRENT:${current}
    ...    --variable    THRESHOLDS_FILE:${LOW_THRESHOLDS}
    Should Be True    ${result.rc} >= 1    The candidate passed: see ${WORK}/unexpected/log.html
    Should Contain    ${result.stdout}
    ...    ${candidate} clears ${extra} unexpected label(s) on the known emails, ${current} 0.

A Label Held To The Default Threshold Fails Readably
    [Documentation]    The thresholds file names no threshold of its own for ``Order > Missing``; the message gives the default.
    VAR    ${thresholds}=    ${WORK}/default-only.yaml
    Create File    ${thresholds}    model_version: 2\ndefault: 0.99\n
    ${result}=    Run Promotion Suite    default-threshold    --variable    THRESHOLDS_FILE:${thresholds}
    Should Not Be Equal As Integers    ${result.rc}    0
    Should Match Regexp
    ...    ${result.stdout}
    ...    Known email '${FIRST_EMAIL}' lost 'Order > Missing' on model staging: confidence 0\\.\\d+, threshold 0\\.99 \\(the default\\)\\.


*** Keywords ***
Run Promotion Suite
    [Documentation]    Run the example suite in its own process with robot ``@{options}``; return the process result.
    ...
    ...    The token is passed on as a Secret, so the Process library's log of the
    ...    environment shows ``<secret>`` instead of it.
    [Arguments]    ${run}    @{options}
    ${result}=    Run Process    ${{ sys.executable }}    -m    robot    --outputdir    ${WORK}/${run}
    ...    --consolecolors    off    --consolewidth    100    @{options}    ${SUITE}
    ...    cwd=${ROOT}    env:PYTHONPATH=${ROOT}    env:REINFER_TOKEN=${TOKEN}
    ...    stdout=${WORK}/${run}-console.txt    stderr=STDOUT    timeout=10 min
    Log    ${result.stdout}
    RETURN    ${result}

Set Up Promotion Suite
    [Documentation]    The work folder, and a connection for the tests that ask the models themselves.
    Create Directory    ${WORK}
    Create File    ${LOW_THRESHOLDS}    model_version: live\ndefault: 0.2\n
    Connect To The Sandbox

Leaves Of Known Emails
    [Documentation]    Per known email, in file order: the most specific labels ``${model_version}`` clears.
    [Arguments]    ${model_version}    ${thresholds_file}
    ${config}=    Load Thresholds    ${thresholds_file}
    ${text}=    Get File    ${KNOWN_EMAILS}
    ${emails}=    Evaluate    yaml.safe_load($text)["KNOWN_EMAILS"]    modules=yaml
    VAR    @{leaves}=    @{EMPTY}
    FOR    ${email}    IN    @{emails}
        ${item}=    Predict Text    ${email}[body]    subject=${email}[subject]    model_version=${model_version}
        ${labels}=    Labels Above Threshold    ${item}    thresholds=${config}    level=leaves
        VAR    @{leaves}=    @{leaves}    ${labels}
    END
    RETURN    ${leaves}

Models That Differ On Known Emails
    [Documentation]    ``candidate`` and ``current`` (``staging``/``live``, either way round), ``expected``:
    ...    the current model's labels per known email, and ``extra``: how many labels the
    ...    candidate clears beyond those (more than 0).
    ${live}=    Leaves Of Known Emails    live    ${LOW_THRESHOLDS}
    ${staging}=    Leaves Of Known Emails    staging    ${LOW_THRESHOLDS}
    ${extra}=    Extra Labels    ${staging}    ${live}
    VAR    &{pair}=    candidate=staging    current=live    expected=${live}    extra=${extra}
    IF    ${extra} == 0
        ${extra}=    Extra Labels    ${live}    ${staging}
        VAR    &{pair}=    candidate=live    current=staging    expected=${staging}    extra=${extra}
    END
    Should Be True    ${extra} > 0    The demo models give every known email the same labels: nothing to compare.
    RETURN    ${pair}

Extra Labels
    [Documentation]    How many labels of ``${mine}`` are not in ``${theirs}``, email by email.
    [Arguments]    ${mine}    ${theirs}
    ${extra}=    Evaluate    sum(len(set(a) - set(b)) for a, b in zip($mine, $theirs, strict=True))
    RETURN    ${extra}

Known Emails With
    [Documentation]    A copy of known_emails.yaml: the first email's queue changed, every ``allowed`` key
    ...    dropped, and/or each email's ``labels`` replaced (a list of label lists, in file order).
    [Arguments]    ${first_queue}=${None}    ${allowed}=${True}    ${labels}=${None}
    ${text}=    Get File    ${KNOWN_EMAILS}
    ${data}=    Evaluate    yaml.safe_load($text)    modules=yaml
    IF    $first_queue
        Evaluate    $data["KNOWN_EMAILS"][0].update(queue=$first_queue)
    END
    IF    not $allowed
        Evaluate    [email.pop("allowed", None) for email in $data["KNOWN_EMAILS"]]
    END
    IF    $labels is not None
        Evaluate    [email.update(labels=list(new)) for email, new in zip($data["KNOWN_EMAILS"], $labels, strict=True)]
    END
    ${copy}=    Evaluate    yaml.safe_dump($data, allow_unicode=True, sort_keys=False)    modules=yaml
    VAR    ${path}=    ${WORK}/known-emails-${{ uuid.uuid4().hex[:6] }}.yaml
    Create File    ${path}    ${copy}
    RETURN    ${path}
