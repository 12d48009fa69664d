*** Settings ***
Documentation     How Labels Above Threshold, Has Label and Load Thresholds read thresholds, end to
...               end against the sandbox: dictionaries changed in place, the ``[A, B]`` name form
...               written in a robot file, ``default`` and ``auto`` together, auto-threshold names
...               only where items carry them, empty dictionaries, and one-line errors.
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

Auto Alone On Fetched Items Fails And Says Where Auto Names Come From
    ${item}=    Find Item By Comment Id    ${EVERYTHING}    a0001
    VAR    ${problem}=
    ...    auto=balanced cannot decide the labels of comment ${item.uid}: they carry no auto-threshold
    ...    names (items of Fetch Trigger Batch with api=fetch never do). Auto-threshold names come with
    ...    api=results of Fetch Trigger Batch and with predictions made with threshold=auto; for other
    ...    items give numbers (thresholds=) or default= instead.
    ...    separator=${SPACE}
    Run Keyword And Expect Error    EQUALS:${problem}
    ...    Labels Above Threshold    ${item}    auto=balanced
    Run Keyword And Expect Error    EQUALS:${problem}
    ...    Has Label    ${item}    ${LATE}    auto=balanced
    # With a default next to auto, the default decides fetched items on its own.
    ${both}=    Labels Above Threshold    ${item}    default=0.35    auto=balanced
    ${default}=    Labels Above Threshold    ${item}    default=0.35
    Should Be Equal    ${both}    ${default}

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

Tear Down Labels Suite
    [Documentation]    Delete this run's trigger and close every connection.
    Delete Triggers    ${TRIGGER}
    Close All Reinfer Connections
