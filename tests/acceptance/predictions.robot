*** Settings ***
Documentation     Predictions on demand against the sandbox: the live, staging and numbered models
...               asked the same questions (text, stored comments, a raw email) and routed on with
...               the same keywords as fetched items; model details, the drift guard, and
...               thresholds taken from a model's validation, saved and loaded back.
...
...               Comments come from a trigger this suite creates and deletes; the shared
...               ``routing`` trigger is never read or moved.

Library           Collections
Library           OperatingSystem
Library           ReinferLibrary

Suite Setup       Set Up Prediction Suite
Suite Teardown    Tear Down Prediction Suite

Test Tags         predictions


*** Variables ***
${DATASET}            acme/retail-inbox
${DATA}               ${CURDIR}/data
${SUFFIX}             ${{ uuid.uuid4().hex[:8] }}
${TRIGGER}            predictions-${SUFFIX}
${MISSING_ORDER}
...                   Hi, my order ACM-104233 was marked as delivered but it never arrived.
...                   The parcel is missing. Can you find it?
${DOUBLE_CHARGE}      SEPARATOR=\n
...                   Hello,
...                   I was charged twice for these orders:
...                   ${EMPTY}
...                   | Order | Amount | Date |
...                   |---|---|---|
...                   | ACM-104233 | £12.99 | 21/08/2025 |
...                   | ACM-104250 | £30.00 | 22/08/2025 |
...                   ${EMPTY}
...                   Please refund the double charge.
${THRESHOLDS_YAML}    SEPARATOR=\n
...                   model_version: live
...                   thresholds:
...                   ${SPACE}${SPACE}Order > Missing: 0.5
...                   ${SPACE}${SPACE}Billing > Double Charge: 0.5
...                   ${SPACE}${SPACE}Complaint: 0.45
...                   default: 0.6
${RAW_EMAIL}          SEPARATOR=\n
...                   From: Dev Patel <dev.patel@example.net>
...                   To: customerservice@acme-retail.example
...                   Subject: Charged twice
...                   Date: Tue, 02 Sep 2025 09:15:00 +0000
...                   ${EMPTY}
...                   I was charged twice for order ACM-104250. Please refund the double charge of £30.00.


*** Test Cases ***
Live, Staging And A Pinned Number Answer The Same Question
    ${tags}=    Get Model Tags
    Should Be Equal As Integers    ${tags.live}    1
    Should Be Equal As Integers    ${tags.staging}    2
    ${before}=    Get Prediction Count
    ${live}=    Predict Text    ${MISSING_ORDER}    subject=Order problem    threshold=0.3
    ${staging}=    Predict Text    ${MISSING_ORDER}    subject=Order problem    model_version=staging
    ...    threshold=0.3
    ${one}=    Predict Text    ${MISSING_ORDER}    subject=Order problem    model_version=1    threshold=0.3
    Should Be Equal As Integers    ${live.model.version}    ${tags.live}
    Should Be Equal As Integers    ${staging.model.version}    ${tags.staging}
    Should Be Equal As Integers    ${one.model.version}    1
    Should Not Be Empty    ${live.model.time}
    Should Be Equal    ${live.origin}    predict
    Should Be Equal    ${live.labels}    ${one.labels}    Live is version 1: the same answer.
    ${after}=    Get Prediction Count
    Should Be Equal As Integers    ${{ $after - $before }}    3    Three texts sent, three AI units.
    FOR    ${item}    IN    ${live}    ${staging}    ${one}
        ${route}=    Route    ${item}    ${CONFIG}
        Should Be Equal    ${route}    warehouse
    END

Predicted Text Carries What Was Sent
    ${item}=    Predict Text    ${MISSING_ORDER}    subject=Order problem    sender=sam@example.com
    ...    timestamp=2025-09-01 07:52:00    user_properties=${{ {"Country": "UK", "Orders": 4} }}
    Should Be Equal    ${item.comment.messages}[0][subject][text]    Order problem
    Should Be Equal    ${item.comment.messages}[0][from]    sam@example.com
    Should Be Equal    ${item.comment.timestamp}    2025-09-01T07:52:00.000000Z
    Should Be Equal    ${item.comment.user_properties}[string:Country]    UK
    Should Be Equal As Integers    ${item.comment.user_properties}[number:Orders]    4
    ${order}=    Get Entity Value    ${item}    order_number
    Should Be Equal    ${order}    ACM-104233
    ${tone}=    Get Label Property    ${item}    tone
    Should Be True    -10 <= ${tone} <= 10

Threshold Auto Returns Auto-Threshold Names
    ${item}=    Predict Text    ${DOUBLE_CHARGE}    threshold=auto
    Should Not Be Empty    ${item.labels}
    FOR    ${label}    IN    @{item.labels}
        Should Not Be Empty    ${label.auto_thresholds}    ${label.name} came back without auto-thresholds.
    END
    ${balanced}=    Labels Above Threshold    ${item}    auto=balanced    level=leaves
    List Should Contain Value    ${balanced}    Billing > Double Charge
    ${sure}=    Has Label    ${item}    Billing > Double Charge    auto=high_precision
    Should Be True    ${sure}

Per-Label Thresholds Restrict The Answer
    ${item}=    Predict Text    ${DOUBLE_CHARGE}    threshold=${{ {"Billing > Double Charge": 0.5, "Praise": 0.0} }}
    ${names}=    Evaluate    sorted(label.name for label in $item.labels)
    Should Be Equal    ${names}    ${{ ["Billing > Double Charge", "Praise"] }}
    ${route}=    Route    ${item}    ${CONFIG}
    Should Be Equal    ${route}    billing

A Loaded Config Routes The Answer And Names The Model Version
    ${item}=    Predict Text    ${DOUBLE_CHARGE}    threshold=${CONFIG}
    Should Be Equal As Integers    ${item.model.version}    1    The config names live, which is version 1.
    ${route}=    Route    ${item}    ${CONFIG}
    Should Be Equal    ${route}    billing
    ${rows}=    Get Entities By Capture Group    ${item}
    Length Should Be    ${rows}    2
    Should Be Equal    ${rows}[0][order_number]    ACM-104233
    Should Be Equal    ${rows}[0][monetary_quantity]    12.99 GBP
    Should Be Equal    ${rows}[1][order_number]    ACM-104250
    Should Be Equal    ${rows}[1][date]    2025-08-22 00:00 UTC

Predict Comments On A Fetched Batch Matches The Trigger
    ${items}=    Predict Comments    ${BATCH}    model_version=1    threshold=0.3
    ${uids}=    Evaluate    [item.uid for item in $items]
    ${expected}=    Evaluate    [item.uid for item in $BATCH.results]
    Should Be Equal    ${uids}    ${expected}
    FOR    ${predicted}    ${fetched}    IN ZIP    ${items}    ${BATCH.results}
        Should Be Equal As Integers    ${predicted.model.version}    1
        Should Be Equal    ${predicted.comment.uid}    ${fetched.uid}
        ${now}=    Labels Above Threshold    ${predicted}
        ${then}=    Labels Above Threshold    ${fetched}
        Lists Should Be Equal    ${now}    ${then}    ignore_order=True
    END

Predict Comments With Staging By Uid
    ${uids}=    Evaluate    [item.uid for item in $BATCH.results[:2]]
    ${items}=    Predict Comments    ${uids}    model_version=staging    threshold=auto
    Length Should Be    ${items}    2
    Should Be Equal    ${items}[1][uid]    ${uids}[1]
    Should Be Equal As Integers    ${items}[0][model][version]    2
    Should Be Equal    ${items}[0][comment]    ${None}

Predict Emails From An Eml File
    ${items}=    Predict Emails    ${DATA}/missing-order.eml    threshold=auto
    Length Should Be    ${items}    1
    VAR    ${item}=    ${items}[0]
    Should Be Equal    ${item.comment.messages}[0][subject][text]    Where is my order ACM-104233?
    Should Be Equal As Integers    ${item.model.version}    1
    ${order}=    Get Entity Value    ${item}    order_number
    Should Be Equal    ${order}    ACM-104233
    ${tracking}=    Get Entity Value    ${item}    tracking_number
    Should Be Equal    ${tracking}    RM830166133GB
    ${labels}=    Labels Above Threshold    ${item}    auto=balanced
    List Should Contain Value    ${labels}    Order

Predict Emails From Raw Text With Staging
    ${items}=    Predict Emails    ${RAW_EMAIL}    model_version=staging    threshold=${CONFIG}
    Should Be Equal As Integers    ${items}[0][model][version]    2
    Should Be Equal    ${items}[0][comment][messages][0][from]    dev.patel@example.net
    ${route}=    Route    ${items}[0]    ${CONFIG}
    Should Be Equal    ${route}    billing

Model Version Details Give Per-Label Figures
    ${details}=    Get Model Version Details    staging    labels=${{ ["Order > Missing", "Praise"] }}
    Should Be Equal As Integers    ${details.version}    2
    Should Not Be Empty    ${details.summary.dataset_quality}
    Dictionary Should Contain Key    ${details.labels}    Order > Missing
    VAR    ${missing}=    ${details.labels}[Order > Missing]
    Should Be True    0 < ${missing.optimal_thresholds.balanced} < 1
    Should Be True    0 < ${missing.precision.balanced} <= 1
    Should Be True    0 < ${missing.recall.balanced} <= 1
    ${summary}=    Get Model Version Details    1    labels=False
    Should Be Empty    ${summary.labels}
    Length Should Be    ${summary.summary.labels}    18

Drift Guard Passes A Fitting Config
    ${check}=    Verify Model Configuration    ${CONFIG}    min_test_examples=0
    Should Be Equal As Integers    ${check.version}    1
    Should Be Equal    ${check.model_version}    live
    Should Be Equal As Integers    ${check.labels_checked}    18    The default lets every label through.
    Should Be Empty    ${check.warnings}
    ${named}=    Verify Model Configuration    ${CONFIG.thresholds}    model_version=live    min_test_examples=0
    Should Be Equal As Integers    ${named.labels_checked}    3    Without a default only named labels count.

Drift Guard Warns About Unreliable Labels A Default Lets Through
    [Documentation]    A default decides every label the file does not name, so the guard checks
    ...    them all: it warns for exactly the labels Get Model Version Details calls unreliable.
    Create File    ${OUTPUT_DIR}/with-default.yaml
    ...    model_version: live\nthresholds:\n${SPACE}${SPACE}Order: 0.5\ndefault: 0.2\n
    ${config}=    Load Thresholds    ${OUTPUT_DIR}/with-default.yaml
    ${check}=    Verify Model Configuration    ${config}
    Should Be Equal As Integers    ${check.labels_checked}    18
    ${details}=    Get Model Version Details    live
    Should Not Be Empty    ${details.unreliable}
    ${warned}=    Evaluate    [warning.split("'")[1] for warning in $check.warnings]
    Should Be Equal    ${warned}    ${details.unreliable}
    Should Be Equal
    ...    ${check.warnings}[0]
    ...    Label '${details.unreliable}[0]' of model version 1 of acme/retail-inbox is unreliable: ${details.labels}[${details.unreliable}[0]][unreliable_reason]; the thresholds do not name it, so default 0.2 lets it through: give it threshold 1 (or drop default) to leave it out in production.

Drift Guard Catches A Misspelt Label
    Run Keyword And Expect Error
    ...    EQUALS:Thresholds do not fit model version 1 of acme/retail-inbox: unknown label 'Order > Mising' (did you mean 'Order > Missing'?); unknown label 'complaint' (did you mean 'Complaint'?).
    ...    Verify Model Configuration
    ...    ${{ {"Order > Mising": 0.5, "complaint": 0.45} }}
    ...    model_version=live
    Create File    ${OUTPUT_DIR}/drifted.yaml    model_version: 2\nthresholds:\n${SPACE}${SPACE}Refnd > Request: 0.5\n
    ${drifted}=    Load Thresholds    ${OUTPUT_DIR}/drifted.yaml
    Run Keyword And Expect Error
    ...    EQUALS:Thresholds in ${OUTPUT_DIR}${/}drifted.yaml do not fit model version 2 of acme/retail-inbox: unknown label 'Refnd > Request' (did you mean 'Refund > Request'?).
    ...    Verify Model Configuration
    ...    ${drifted}

Drift Guard Catches An Unpinned Version
    Run Keyword And Expect Error
    ...    EQUALS:Model version 7 of acme/retail-inbox is not pinned (pinned: 1, 2; tags: live=1, staging=2); pin it on the dataset's Models page, or set model_version to a pinned version.
    ...    Verify Model Configuration
    ...    ${CONFIG}
    ...    model_version=7

Drift Guard Warns About Labels With Too Little Validation
    ${check}=    Verify Model Configuration    ${CONFIG.thresholds}    model_version=live    min_test_examples=1000
    Length Should Be    ${check.warnings}    3
    Should Match Regexp
    ...    ${check.warnings}[0]
    ...    ^Label 'Order > Missing' of model version 1 of acme/retail-inbox is unreliable: only \\d+ held-out example\\(s\\) validate it \\(fewer than 1000\\); leave it out in production

Drift Guard Checks A Trigger's Pinned Version
    [Documentation]    Thresholds made for staging (version 2) on a trigger pinned to version 1 fail
    ...    clearly; the same labels for live (version 1) pass.
    Create File    ${OUTPUT_DIR}/for-staging.yaml
    ...    model_version: staging\nthresholds:\n${SPACE}${SPACE}Order > Missing: 0.5\n
    ${staging}=    Load Thresholds    ${OUTPUT_DIR}/for-staging.yaml
    Run Keyword And Expect Error
    ...    EQUALS:Thresholds in ${OUTPUT_DIR}${/}for-staging.yaml are for model version 'staging' = 2 of acme/retail-inbox, but trigger '${TRIGGER}' is pinned to version 1, whose confidences they were not chosen for; load the thresholds made for version 1, or move the trigger to version 2 with Update Trigger (model_version=2).
    ...    Verify Model Configuration
    ...    ${staging}
    ...    trigger=${TRIGGER}
    ${check}=    Verify Model Configuration    ${CONFIG.thresholds}    model_version=live    trigger=${TRIGGER}
    ...    min_test_examples=0
    Should Be Equal    ${check.trigger}    ${TRIGGER}
    Should Be Equal As Integers    ${check.version}    1
    Should Be Empty    ${check.warnings}

Drift Guard Warns About A Robot Threshold Below The Trigger's Own
    [Documentation]    The suite's trigger holds every label at 0.3: a robot threshold of 0.2 never
    ...    sees the confidences from 0.2 to 0.3, so the guard says so; 0.45 is fine.
    VAR    &{low}=    Order > Missing=${0.2}    Complaint=${0.45}
    ${check}=    Verify Model Configuration    ${low}    model_version=1    trigger=${TRIGGER}
    ...    min_test_examples=0
    VAR    ${expected}=
    ...    Label 'Order > Missing' has robot threshold 0.2, below the 0.3 trigger '${TRIGGER}' has for it:
    ...    the trigger never returns it below 0.3, so confidences from 0.2 up to 0.3 never reach the robot;
    ...    lower the trigger's threshold with Update Trigger, or raise the robot's to 0.3.
    Should Be Equal    ${check.warnings}    ${{ [$expected] }}

A Bad Model Version Or Threshold Fails Before Any Call
    Run Keyword And Expect Error
    ...    EQUALS:Model version 'livee' is not valid: give a pinned version number (such as 3) or a model tag (live or staging). Did you mean 'live'?
    ...    Predict Text
    ...    ${MISSING_ORDER}
    ...    model_version=livee
    Run Keyword And Expect Error
    ...    EQUALS:threshold= must be a number from 0 to 1, got 1.5; or give auto, a dictionary of label -> number, or the result of Load Thresholds.
    ...    Predict Text
    ...    ${MISSING_ORDER}
    ...    threshold=1.5
    Run Keyword And Expect Error
    ...    EQUALS:Business error (not found): POST /api/v1/datasets/acme/retail-inbox/labellers/live/predict-comments returned 404: 404 Not Found: comment uid 'no-such.comment' does not exist in dataset 'acme/retail-inbox'. Check the names (project/dataset, stream, comment uid, model version) and REINFER_URL (everything before /api).
    ...    Predict Comments
    ...    no-such.comment

Unknown Names Fail With What To Fix
    Run Keyword And Expect Error
    ...    EQUALS:Business error (not found): GET /api/v1/datasets/acme/no-such-dataset/model-tags returned 404: 404 Not Found: dataset 'acme/no-such-dataset' does not exist. Check the names (project/dataset, stream, comment uid, model version) and REINFER_URL (everything before /api).
    ...    Get Model Tags
    ...    dataset=acme/no-such-dataset
    Run Keyword And Expect Error
    ...    EQUALS:Model version 7 of acme/retail-inbox is not pinned (pinned: 1, 2; tags: live=1, staging=2); pin it on the dataset's Models page, or set model_version to a pinned version.
    ...    Get Model Version Details
    ...    7
    Run Keyword And Expect Error
    ...    EQUALS:Model version 1 of acme/retail-inbox has no label named 'Order > Mising' (did you mean 'Order > Missing'?); give labels of its taxonomy.
    ...    Get Model Version Details
    ...    live
    ...    labels=Order > Mising
    Run Keyword And Expect Error
    ...    EQUALS:ValueError: Argument 'optimal' got value 'balance' that cannot be converted to 'high_recall', 'balanced' or 'high_precision'.
    ...    Thresholds From Model
    ...    live
    ...    optimal=balance

Saving Thresholds Where They Cannot Be Written Fails
    VAR    &{config}=    Order=0.5
    Run Keyword And Expect Error
    ...    EQUALS:Cannot save thresholds as '.txt': use .yaml, .yml or .json.
    ...    Save Thresholds    ${config}    ${OUTPUT_DIR}/thresholds.txt
    Create File    ${OUTPUT_DIR}/not-a-folder.txt    a file where a folder is expected
    Run Keyword And Expect Error
    ...    EQUALS:Thresholds file '${OUTPUT_DIR}${/}not-a-folder.txt${/}thresholds.yaml': cannot be written: '${OUTPUT_DIR}${/}not-a-folder.txt' is a file, not a folder; choose a path in a folder this robot can write to.
    ...    Save Thresholds
    ...    ${config}
    ...    ${OUTPUT_DIR}/not-a-folder.txt/thresholds.yaml

Predict Emails Refuses What Is Not An Email
    VAR    ${no_headers}=    Hello,    my order never arrived.    separator=\n
    Run Keyword And Expect Error
    ...    EQUALS:Email starting 'Hello,\\nmy order never arrived.' has no header lines: an RFC 822 email starts with headers such as 'From: ...' and 'Subject: ...', then a blank line, then the body.
    ...    Predict Emails
    ...    ${no_headers}
    Run Keyword And Expect Error
    ...    EQUALS:Email 'no-such-folder/missing.eml' is neither raw RFC 822 text (headers, a blank line, the body) nor an existing file; check the path (${{'$'}}{CURDIR} is the robot file's folder).
    ...    Predict Emails
    ...    no-such-folder/missing.eml

Thresholds From The Model Round-Trip Through A File
    [Documentation]    The demo dataset is small: its labels have 3 to 6 held-out examples each.
    ${config}=    Thresholds From Model    live    optimal=balanced    min_test_examples=3
    Should Be Equal As Integers    ${config.model_version}    1
    Dictionary Should Contain Key    ${config.thresholds}    Order > Missing
    ${path}=    Save Thresholds    ${config}    ${OUTPUT_DIR}/from-model.yaml
    ${text}=    Get File    ${path}
    Should Start With    ${text}    \# Label thresholds, read by ReinferLibrary's `Load Thresholds`.
    ${loaded}=    Load Thresholds    ${path}
    Should Be Equal    ${loaded.thresholds}    ${config.thresholds}
    Should Be Equal    ${loaded.model_version}    ${config.model_version}
    ${check}=    Verify Model Configuration    ${loaded}    min_test_examples=3
    Should Be Empty    ${check.warnings}
    Should Be Equal As Integers    ${check.labels_checked}    18
    ${item}=    Predict Text    ${MISSING_ORDER}    threshold=${loaded}
    ${labels}=    Labels Above Threshold    ${item}    thresholds=${loaded}
    List Should Contain Value    ${labels}    Order > Missing
    Save Thresholds    ${config}    ${OUTPUT_DIR}/from-model.json
    ${again}=    Load Thresholds    ${OUTPUT_DIR}/from-model.json
    Should Be Equal    ${again.thresholds}    ${config.thresholds}

Thresholds From The Model Leave Out What The Drift Guard Calls Unreliable
    [Documentation]    One meaning of "unreliable": labels with fewer than 5 held-out examples are
    ...    left out with a warning, and Verify Model Configuration then has nothing to say.
    ${config}=    Thresholds From Model    live
    Dictionary Should Not Contain Key    ${config.thresholds}    Order > Missing
    Dictionary Should Not Contain Key    ${config.thresholds}    Praise
    ${check}=    Verify Model Configuration    ${config}
    Should Be Empty    ${check.warnings}
    Length Should Be    ${config.thresholds}    ${check.labels_checked}

Thresholds Loaded From A Model Route Its Answers
    [Documentation]    Each config names the version it came from, so predicting with it asks that version.
    [Template]    Thresholds From The Model Should Route
    live    balanced    1
    staging    high_precision    2


*** Keywords ***
Set Up Prediction Suite
    [Documentation]    Connect from the environment, load the thresholds, and read a few
    ...    comments through a trigger of this suite (never advanced: reading moves nothing).
    Connect To Reinfer    dataset=${DATASET}
    Create File    ${OUTPUT_DIR}/prediction-thresholds.yaml    ${THRESHOLDS_YAML}
    ${config}=    Load Thresholds    ${OUTPUT_DIR}/prediction-thresholds.yaml
    VAR    ${CONFIG}=    ${config}    scope=SUITE    # robocop: off=VAR05
    Create Trigger    ${TRIGGER}    model_version=1    default=0.3    title=Predictions acceptance
    ${batch}=    Fetch Trigger Batch    ${TRIGGER}    size=6    log_items=False
    Length Should Be    ${batch.results}    6
    VAR    ${BATCH}=    ${batch}    scope=SUITE    # robocop: off=VAR05

Tear Down Prediction Suite
    [Documentation]    Delete this suite's trigger and close the connection.
    Delete Trigger    ${TRIGGER}    missing_ok=True
    Close All Reinfer Connections

Thresholds From The Model Should Route
    [Documentation]    Load the ``optimal`` thresholds of ``model_version`` and route two known texts with them.
    [Arguments]    ${model_version}    ${optimal}    ${number}
    ${config}=    Load Thresholds    from_model=${model_version}    optimal=${optimal}    min_test_examples=3
    Should Be Equal As Integers    ${config.model_version}    ${number}
    Should Be Equal    ${config.source}
    ...    the ${optimal} optimal thresholds of acme/retail-inbox model version ${number}
    ${missing}=    Predict Text    ${MISSING_ORDER}    threshold=${config}
    Should Be Equal As Integers    ${missing.model.version}    ${number}
    ${route}=    Route    ${missing}    ${config}
    Should Be Equal    ${route}    warehouse
    ${double}=    Predict Text    ${DOUBLE_CHARGE}    threshold=${config}
    ${route}=    Route    ${double}    ${config}
    Should Be Equal    ${route}    billing

Route
    [Documentation]    The queue a robot would send an item to, decided by the configured thresholds.
    [Arguments]    ${item}    ${config}
    ${labels}=    Labels Above Threshold    ${item}    thresholds=${config}
    IF    'Order > Missing' in $labels    RETURN    warehouse
    IF    'Billing > Double Charge' in $labels    RETURN    billing
    RETURN    general
