*** Settings ***
Documentation     Testing robots on your own data: record a stream and replay it in another sandbox,
...               and train a sandbox on a labelled file in a taxonomy that is not the demo's.
...
...               The recording is made from the shared sandbox on a stream of this suite (so the
...               other suites moving ``routing`` change nothing here); the replay and the
...               imported tenant run on sandboxes of this suite, in folders under the output
...               folder. The commands are run as a user would, with the token in the
...               environment only.

Library           Collections
Library           OperatingSystem
Library           Process
Library           ReinferLibrary
Library           ReinferLibrary.sandbox.SandboxLibrary
Resource          resources/common.resource

Suite Teardown    Clean Up Own Data Suite

Test Tags         own-data


*** Variables ***
${SUFFIX}                  ${{ uuid.uuid4().hex[:8] }}
${TRIGGER}                 own-data-${SUFFIX}
${CASSETTE}                ${OUTPUT_DIR}/own_data_${SUFFIX}.jsonl
${THRESHOLDS_FILE}         ${CURDIR}/../../robots/config/thresholds.yaml
${CLAIMS}                  ${CURDIR}/data/claims.csv
${SHARED_URL}              %{REINFER_URL}
${SHARED_TOKEN: Secret}    %{REINFER_TOKEN}
${PYTHON}                  ${{ sys.executable }}
# Tokens go to the commands as Secrets, so the Process library logs them masked.
${WRONG_TOKEN}             ${{ robot.api.types.Secret('wrong-token') }}


*** Test Cases ***
A Replayed Recording Gives A Robot The Same Batches, Labels And Entities
    Connect To The Sandbox
    ${routing}=    Get Trigger    routing
    Create Trigger    ${TRIGGER}    model_version=${routing.model.version}
    ...    thresholds=${routing.model.label_thresholds}
    ${before}=    Fetch Trigger Batch    ${TRIGGER}    size=5
    ${recorded}=    Record Trigger Batches    ${TRIGGER}    ${CASSETTE}
    Should Be Equal As Integers    ${recorded.comments}    320
    ${after}=    Fetch Trigger Batch    ${TRIGGER}    size=5
    Should Be Equal    ${before.sequence_id}    ${after.sequence_id}    Recording moved the stream.
    ${live}=    What A Robot Sees    ${TRIGGER}
    Start Reinfer Sandbox    replay=${CASSETTE}
    Connect To Reinfer    dataset=${DATASET}    alias=replay
    # The drift guard sees the recorded model version and its recorded validation.
    ${config}=    Load Thresholds    ${THRESHOLDS_FILE}
    Verify Model Configuration    ${config}
    ${replayed}=    What A Robot Sees    ${TRIGGER}
    Lists Should Be Equal    ${replayed}    ${live}
    Length Should Be    ${live}    25
    [Teardown]    Stop Reinfer Sandbox

Recording Never Leaves Personal Data Or A Half Cassette Behind
    ${text}=    Get File    ${CASSETTE}
    Should Not Contain    ${text}    sarah.jones@example.com
    Should Contain    ${text}    @masked.invalid
    ${result}=    Run Sandbox Command    record    --dataset    ${DATASET}    --trigger    ${TRIGGER}
    ...    --out    ${OUTPUT_DIR}/wrong_token.jsonl    token=${WRONG_TOKEN}
    Should Be Equal As Integers    ${result.rc}    2
    Should Match Regexp    ${result.stderr}    ^reinfer-sandbox record: Business error \\(authentication\\)[^\\n]*$
    Should Not Contain    ${result.stderr}    wrong-token
    File Should Not Exist    ${OUTPUT_DIR}/wrong_token.jsonl
    ${result}=    Run Sandbox Command    record    --dataset    ${DATASET}    --trigger    no-such-stream
    ...    --out    ${OUTPUT_DIR}/missing.jsonl    token=${SHARED_TOKEN}
    Should Be Equal As Integers    ${result.rc}    2
    Should Match Regexp    ${result.stderr}    ^reinfer-sandbox record: .*no-such-stream.*does not exist[^\\n]*$
    ${lines}=    Get File    ${CASSETTE}
    Create File    ${OUTPUT_DIR}/cut_${SUFFIX}.jsonl    ${lines}[:5000]
    ${result}=    Run Sandbox Command    serve    --port    0    --data-dir    ${OUTPUT_DIR}/cut_${SUFFIX}
    ...    --replay    ${OUTPUT_DIR}/cut_${SUFFIX}.jsonl    token=${SHARED_TOKEN}
    Should Be Equal As Integers    ${result.rc}    2
    Should Match Regexp    ${result.stderr}    ^reinfer-sandbox: Cassette .* (cut off|truncated)[^\\n]*$

A User's Labelled File Trains The Sandbox And A Robot Routes On Its Labels
    VAR    ${data}=    ${OUTPUT_DIR}/claims_${SUFFIX}
    ${result}=    Run Sandbox Command    import    --data-dir    ${data}    --dataset    insure/claims
    ...    --thresholds-out    ${data}/thresholds.yaml    ${CLAIMS}    token=${SHARED_TOKEN}
    Should Be Equal As Integers    ${result.rc}    0    ${result.stderr}
    Should Contain    ${result.stdout}    imported 240 comments (240 reviewed) into insure/claims with 8 labels
    Start Reinfer Sandbox    data_dir=${data}    seed=none
    Connect To Reinfer    dataset=insure/claims    alias=claims
    ${config}=    Load Thresholds    ${data}/thresholds.yaml
    Verify Model Configuration    ${config}
    ${queues}=    Route The Claims Inbox    ${config}
    Log    ${queues}
    Should Be True    ${queues}[right] >= 228    Only ${queues}[right] of 240 claims reached their label's queue.
    [Teardown]    Stop Reinfer Sandbox


*** Keywords ***
What A Robot Sees
    [Documentation]    Walk the trigger to its end in batches of 13 as a robot does; one line per comment.
    ...
    ...    Each line: batch number, comment uid, the labels that clear the triage robot's
    ...    thresholds with their confidences, and the entities with their capture groups.
    [Arguments]    ${trigger}
    ${config}=    Load Thresholds    ${THRESHOLDS_FILE}
    VAR    @{seen}=    @{EMPTY}
    VAR    ${number}=    ${0}
    WHILE    True    limit=100
        ${batch}=    Fetch Trigger Batch    ${trigger}    size=13    log_items=False
        ${number}=    Evaluate    ${number} + 1
        VAR    @{lines}=    @{EMPTY}
        FOR    ${item}    IN    @{batch.results}
            ${labels}=    Labels Above Threshold    ${item}    thresholds=${config}
            ${confidences}=    Evaluate    [(label.name, label.probability) for label in $item.labels]
            ${entities}=    Get Entities    ${item}
            ${found}=    Evaluate    [(e.name, e.formatted_value, e.get('capture_ids')) for e in $entities]
            ${rows}=    Get Entities By Capture Group    ${item}
            Append To List    ${lines}    ${item.uid} ${labels} ${confidences} ${found} ${rows}
        END
        Append To List    ${seen}    batch ${number} end=${batch.is_end_sequence} ${lines}
        Advance Trigger    ${trigger}    ${batch}
        IF    ${batch.is_end_sequence}    BREAK
    END
    RETURN    ${seen}

Route The Claims Inbox
    [Documentation]    Send every claim to the queue of its most confident leaf label; count those that
    ...    reached the queue their comment id names (``motor-03`` belongs to ``Claim > Motor``).
    [Arguments]    ${config}
    VAR    &{queues}=    right=${0}    wrong=${0}    none=${0}
    WHILE    True    limit=100
        ${batch}=    Fetch Trigger Batch    routing    size=32    thresholds=${config}    log_items=False
        FOR    ${item}    IN    @{batch.results}
            ${labels}=    Labels Above Threshold    ${item}    thresholds=${config}    level=leaves
            IF    not $labels
                ${queues}[none]=    Evaluate    $queues['none'] + 1
                CONTINUE
            END
            ${expected}=    Evaluate    $item.comment.id.rsplit('-', 1)[0]
            ${queue}=    Evaluate    $labels[0].split(' > ')[-1].lower()
            IF    $queue == $expected
                ${queues}[right]=    Evaluate    $queues['right'] + 1
            ELSE
                ${queues}[wrong]=    Evaluate    $queues['wrong'] + 1
            END
        END
        Advance Trigger    routing    ${batch}
        IF    ${batch.is_end_sequence}    BREAK
    END
    RETURN    ${queues}

Run Sandbox Command
    [Documentation]    Run ``reinfer-sandbox ARGS`` with the shared sandbox's URL and ``token`` (a Secret) in the environment.
    [Arguments]    @{args}    ${token}
    ${result}=    Run Process    ${PYTHON}    -m    ReinferLibrary.sandbox    @{args}
    ...    env:REINFER_URL=${SHARED_URL}    env:REINFER_TOKEN=${token}    env:REINFER_SANDBOX_TOKEN=${token}
    ...    timeout=300s    stdin=NONE
    RETURN    ${result}

Clean Up Own Data Suite
    [Documentation]    Delete this suite's trigger from the shared sandbox.
    Connect To Reinfer    url=${SHARED_URL}    token=${SHARED_TOKEN}    dataset=${DATASET}    alias=cleanup
    Delete Triggers    ${TRIGGER}
