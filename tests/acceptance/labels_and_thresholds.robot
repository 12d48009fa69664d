*** Settings ***
Documentation     How Labels Above Threshold, Has Label and Load Thresholds read thresholds, end to
...               end against the sandbox: dictionaries changed in place, the ``[A, B]`` name form
...               written in a robot file, ``default`` and ``auto`` together, the same auto-threshold
...               names on both stream routes, empty dictionaries, and one-line errors.
...
...               The trigger is created by this suite with a unique name and deleted afterwards.

Library           Collections
Library           OperatingSystem
Library           ReinferLibrary
Resource          resources/common.resource

Suite Setup       Set Up Labels Suite
Suite Teardown    Tear Down Labels Suite

Test Tags         labels


*** Variables ***
${SUFFIX}              ${{ uuid.uuid4().hex[:8] }}
${TRIGGER}             labels-${SUFFIX}
${LATE}                Order > Late Delivery
${HIGH}                ${0.9}
${DEFAULT_AND_AUTO}    SEPARATOR=\n
...                    model_version: live
...                    default: 0.9
...                    auto: balanced
${NAMED_TWICE}         SEPARATOR=\n
...                    thresholds:
...                    ${SPACE}${SPACE}Order > Missing: 0.5
...                    ${SPACE}${SPACE}\[Order, Missing]: 0.6


*** Test Cases ***
A Thresholds Dictionary Changed In Place Takes Effect
    ${item}=    Find Item By Comment Id    ${EVERYTHING}    a0001
    VAR    &{thresholds}=    ${LATE}=${1.0}
    ${before}=    Labels Above Threshold    ${item}    thresholds=${thresholds}
    Should Not Contain    ${before}    ${LATE}
    Set To Dictionary    ${thresholds}    ${LATE}=${0.1}
    ${after}=    Labels Above Threshold    ${item}    thresholds=${thresholds}
    Should Be Equal    ${after}    ${{ [$LATE] }}
    ${has}=    Has Label    ${item}    ${LATE}    thresholds=${thresholds}
    Should Be True    ${has}
    Set To Dictionary    ${thresholds}    ${LATE}=${2}
    Run Keyword And Expect Error    EQUALS:Threshold for '${LATE}' must be a number from 0 to 1, got 2.
    ...    Labels Above Threshold    ${item}    thresholds=${thresholds}

The List Form Of A Label Name Works In A Robot File
    ${item}=    Find Item By Comment Id    ${EVERYTHING}    a0001
    ${present}=    Has Label    ${item}    [Order, Late Delivery]
    Should Be True    ${present}
    Label Should Be Present    ${item}    [Order, Late Delivery]    threshold=0.35
    ${confidence}=    Get Label Confidence    ${item}    [Order, Late Delivery]
    ${same}=    Get Label Confidence    ${item}    ${LATE}
    Should Be Equal    ${confidence}    ${same}
    VAR    &{thresholds}=    [Order, Late Delivery]=${0.1}
    ${labels}=    Labels Above Threshold    ${item}    thresholds=${thresholds}
    Should Be Equal    ${labels}    ${{ [$LATE] }}

Auto Rules Give The Same Labels Over Api Fetch And Api Results
    [Documentation]    Issue 12 point 5: ``/results`` items carry auto-threshold names, and
    ...    ``/fetch`` items get them computed from the validation the sandbox reports for the
    ...    trigger's model version. Every comment of the trigger gets the same labels either way:
    ...    under each auto name alone, next to a default in a thresholds file, and in Has Label.
    Create File    ${OUTPUT_DIR}/labels-routes-default-and-auto.yaml    ${DEFAULT_AND_AUTO}
    ${config}=    Load Thresholds    ${OUTPUT_DIR}/labels-routes-default-and-auto.yaml
    ${fetched}=    Fetch Trigger Batch    ${TRIGGER}    size=${ALL}    log_items=False
    ${results}=    Fetch Trigger Batch    ${TRIGGER}    size=${ALL}    api=results    log_items=False
    Should Be Equal    ${{ [i.uid for i in $fetched.results] }}    ${{ [i.uid for i in $results.results] }}
    VAR    ${kept}=    ${0}
    FOR    ${from_fetch}    ${from_results}    IN ZIP    ${fetched.results}    ${results.results}
        ${count}=    Both Routes Should Keep The Same Labels    ${from_fetch}    ${from_results}    ${config}
        VAR    ${kept}=    ${{ $kept + $count }}
    END
    Should Be True    ${kept} > 0    No label cleared an auto-threshold: the comparison proved nothing.
    Should Be Equal    ${fetched.results}[0][auto_thresholds_from]    validation of model version 1

Auto On A Fetched Item That Does Not Say Where It Came From Fails And Says Why
    ${batch}=    Fetch Trigger Batch    ${TRIGGER}    size=1    log_items=False
    ${handed_off}=    Evaluate    json.loads(json.dumps($batch.results[0]))
    ${labels}=    Labels Above Threshold    ${handed_off}    auto=balanced
    ${direct}=    Labels Above Threshold    ${batch.results}[0]    auto=balanced
    Should Be Equal    ${labels}    ${direct}
    ${anonymous}=    Evaluate    json.loads(json.dumps($batch.results[0]))
    Remove From Dictionary    ${anonymous}    dataset    auto_thresholds_from
    FOR    ${label}    IN    @{anonymous}[labels]
        Set To Dictionary    ${label}    auto_thresholds=${{ [] }}
    END
    VAR    ${problem}=
    ...    auto=balanced cannot decide the labels of comment ${anonymous}[uid]: they carry no
    ...    auto-threshold names (this item of the fetch route does not say which stream it came from,
    ...    so they cannot be computed from its model's validation).
    ...    separator=${SPACE}
    Run Keyword And Expect Error    STARTS:${problem}
    ...    Labels Above Threshold    ${anonymous}    auto=balanced

Items Process Trigger Hands Over Get The Same Auto Labels As Results Items
    [Documentation]    Process Trigger reads ``api=fetch`` by default; its items say where they
    ...    came from, so an ``auto`` rule in the per-item keyword works as on `Fetch Trigger Batch`.
    VAR    ${processed}=    labels-processed-${SUFFIX}
    Create Trigger    ${processed}    model_version=1    default=0.3    title=Auto names in Process Trigger
    ${results}=    Fetch Trigger Batch    ${processed}    size=${ALL}    api=results    log_items=False
    VAR    &{expected}=    &{EMPTY}
    FOR    ${item}    IN    @{results.results}
        ${labels}=    Labels Above Threshold    ${item}    auto=balanced
        Set To Dictionary    ${expected}    ${item.uid}=${labels}
    END
    ${summary}=    Process Trigger    ${processed}    Auto Labels Should Be    ${expected}    size=64
    Should Be Equal As Integers    ${summary.exceptions}    0
    Should Be Equal As Integers    ${summary.processed}    ${{ len($results.results) }}
    [Teardown]    Delete Triggers    ${processed}

Auto Works On Results Items And On Predictions Made With Threshold Auto
    ${batch}=    Fetch Trigger Batch    ${TRIGGER}    size=8    api=results    log_items=False
    FOR    ${item}    IN    @{batch.results}
        Labels Above Threshold    ${item}    auto=balanced
    END
    ${item}=    Find Item By Comment Id    ${EVERYTHING}    a0001
    ${predicted}=    Predict Comments    ${item.uid}    model_version=1    threshold=auto
    ${labels}=    Labels Above Threshold    ${predicted}[0]    auto=high_recall
    Should Not Be Empty    ${labels}
    ${numbered}=    Predict Comments    ${item.uid}    model_version=1    threshold=0.2
    Run Keyword And Expect Error
    ...    STARTS:auto=balanced cannot decide the labels of comment ${item.uid}: they carry no auto-threshold names (this prediction was not made with threshold=auto).
    ...    Labels Above Threshold
    ...    ${numbered}[0]
    ...    auto=balanced

With Default And Auto A Label Counts When Either Keeps It
    [Documentation]    The same rule from keyword arguments and from a thresholds file, in
    ...    `Labels Above Threshold` and `Has Label`.
    Create File    ${OUTPUT_DIR}/labels-default-and-auto.yaml    ${DEFAULT_AND_AUTO}
    ${config}=    Load Thresholds    ${OUTPUT_DIR}/labels-default-and-auto.yaml
    ${batch}=    Fetch Trigger Batch    ${TRIGGER}    size=32    api=results    log_items=False
    VAR    ${kept_by_auto_alone}=    ${0}
    FOR    ${item}    IN    @{batch.results}
        ${extra}=    Default Or Auto Should Keep Either Ones Labels    ${item}    ${config}
        VAR    ${kept_by_auto_alone}=    ${kept_by_auto_alone + ${extra}}
    END
    Should Be True    ${kept_by_auto_alone} > 0    No label below the default carried the auto name.

An Empty Thresholds Dictionary Keeps Nothing
    ${item}=    Find Item By Comment Id    ${EVERYTHING}    a0001
    VAR    &{empty}=    &{EMPTY}
    ${nothing}=    Labels Above Threshold    ${item}    thresholds=${empty}
    Should Be Empty    ${nothing}
    ${has}=    Has Label    ${item}    ${LATE}    thresholds=${empty}
    Should Not Be True    ${has}
    ${everything}=    Labels Above Threshold    ${item}
    List Should Contain Value    ${everything}    ${LATE}
    ${with_default}=    Labels Above Threshold    ${item}    thresholds=${empty}    default=0.35
    ${default}=    Labels Above Threshold    ${item}    default=0.35
    Should Be Equal    ${with_default}    ${default}

Bad Numbers And Malformed Items Fail In One Line
    ${item}=    Find Item By Comment Id    ${EVERYTHING}    a0001
    Run Keyword And Expect Error    EQUALS:threshold must be a number from 0 to 1, got 7.
    ...    Has Label    ${item}    ${LATE}    threshold=7
    VAR    &{broken}=    uid=src.x1    labels=${{ [{"name": ["Order"]}] }}
    Run Keyword And Expect Error
    ...    STARTS:Item src.x1: label 1 has no 'probability'; each label needs a name
    ...    Labels Above Threshold    ${broken}    default=0.5
    Run Keyword And Expect Error
    ...    STARTS:Item src.x1: label 1 has no 'probability'; each label needs a name
    ...    Has Label    ${broken}    Order

A Label Named Twice In A Thresholds File Shows Both Spellings
    Create File    ${OUTPUT_DIR}/labels-named-twice.yaml    ${NAMED_TWICE}
    VAR    ${problem}=
    ...    key thresholds[['Order', 'Missing']]: label 'Order > Missing' is given twice,
    ...    as 'Order > Missing' and ['Order', 'Missing']; keep one.
    ...    separator=${SPACE}
    Run Keyword And Expect Error
    ...    EQUALS:Thresholds file '${OUTPUT_DIR}${/}labels-named-twice.yaml', ${problem}
    ...    Load Thresholds    ${OUTPUT_DIR}/labels-named-twice.yaml


*** Keywords ***
Set Up Labels Suite
    [Documentation]    A trigger of this run with every label at 0.3 or above, read once.
    Connect To The Sandbox
    Create Trigger    ${TRIGGER}    model_version=1    default=0.3    title=Labels and thresholds acceptance
    ${everything}=    Fetch Everything    ${TRIGGER}
    VAR    ${EVERYTHING}=    ${everything}    scope=SUITE    # robocop: off=VAR05

Default Or Auto Should Keep Either Ones Labels
    [Documentation]    default=0.9 with auto=balanced keeps what either keeps alone, from
    ...    arguments and from ``config`` (the same in a file); returns how many labels only
    ...    auto kept.
    [Arguments]    ${item}    ${config}
    ${both}=    Labels Above Threshold    ${item}    default=${HIGH}    auto=balanced
    ${by_auto}=    Labels Above Threshold    ${item}    auto=balanced
    ${by_default}=    Labels Above Threshold    ${item}    default=${HIGH}
    ${either}=    Evaluate    set($by_auto) | set($by_default)
    Should Be Equal    ${{ set($both) }}    ${either}
    ${from_file}=    Labels Above Threshold    ${item}    thresholds=${config}
    Should Be Equal    ${from_file}    ${both}
    FOR    ${label}    IN    @{both}
        ${has}=    Has Label    ${item}    ${label}    thresholds=${config}
        Should Be True    ${has}
    END
    ${only_auto}=    Evaluate    len(set($by_auto) - set($by_default))
    RETURN    ${only_auto}

Both Routes Should Keep The Same Labels
    [Documentation]    The same comment read over ``api=fetch`` and ``api=results`` keeps the same
    ...    labels under each auto rule; returns how many labels the auto names alone kept.
    [Arguments]    ${from_fetch}    ${from_results}    ${config}
    VAR    ${kept}=    ${0}
    FOR    ${auto}    IN    high_recall    balanced    high_precision
        ${by_fetch}=    Labels Above Threshold    ${from_fetch}    auto=${auto}
        ${by_results}=    Labels Above Threshold    ${from_results}    auto=${auto}
        Should Be Equal    ${by_fetch}    ${by_results}    ${from_fetch.uid} with auto=${auto}
        VAR    ${kept}=    ${{ $kept + len($by_fetch) }}
    END
    ${by_fetch}=    Labels Above Threshold    ${from_fetch}    thresholds=${config}    level=leaves
    ${by_results}=    Labels Above Threshold    ${from_results}    thresholds=${config}    level=leaves
    Should Be Equal    ${by_fetch}    ${by_results}    ${from_fetch.uid} with the thresholds file
    FOR    ${label}    IN    @{from_fetch.labels}
        ${on_fetch}=    Has Label    ${from_fetch}    ${label.name}    auto=high_precision
        ${on_results}=    Has Label    ${from_results}    ${label.name}    auto=high_precision
        Should Be Equal    ${on_fetch}    ${on_results}    ${from_fetch.uid}: ${label.name}
    END
    RETURN    ${kept}

Auto Labels Should Be
    [Documentation]    Process Trigger's per-item keyword: ``auto=balanced`` keeps the expected labels.
    [Arguments]    ${item}    ${expected}
    ${labels}=    Labels Above Threshold    ${item}    auto=balanced
    Should Be Equal    ${labels}    ${expected}[${item.uid}]

Tear Down Labels Suite
    [Documentation]    Delete this run's trigger and close every connection.
    Delete Triggers    ${TRIGGER}
    Close All Reinfer Connections
