*** Settings ***
Documentation     The batch-level idiom against the sandbox: Group Batch By Label routes a whole
...               batch in one call and gives every item what the per-item keywords give it.

Library           Collections
Library           ReinferLibrary
Resource          resources/common.resource

Suite Setup       Connect To The Sandbox
Suite Teardown    Tear Down Batch Suite

Test Tags         core    batch


*** Variables ***
${TRIGGER}    batch-${{ uuid.uuid4().hex[:8] }}


*** Test Cases ***
A Whole Batch Is Routed In One Call Like Item By Item
    VAR    &{thresholds}=    Order > Missing=${0.5}    Complaint=${0.45}    Praise=${0.6}
    Create Trigger    ${TRIGGER}    model_version=live    default=0.3
    ${batch}=    Fetch Trigger Batch    ${TRIGGER}    size=64    log_items=False
    Should Not Be Empty    ${batch.results}
    ${groups}=    Group Batch By Label    ${batch}    thresholds=${thresholds}    default=0.9
    FOR    ${item}    IN    @{batch.results}
        ${labels}=    Labels Above Threshold    ${item}    thresholds=${thresholds}    default=0.9
        ${rows}=    Get Entities By Capture Group    ${item}
        Lists Should Be Equal    ${item.selected_labels}    ${labels}
        Should Be Equal    ${item.rows}    ${rows}
        FOR    ${label}    IN    @{labels}
            List Should Contain Value    ${groups}[${label}]    ${item}
        END
        IF    not $labels
            List Should Contain Value    ${groups}[(no label)]    ${item}
        END
    END
    ${sizes}=    Evaluate    sum(len(items) for items in $groups.values())
    Should Be True    ${sizes} >= ${batch.results.__len__()}
    Should Be True    len($groups) > 1    the demo batch should route to more than one label
    Advance Trigger    ${TRIGGER}    ${batch}


*** Keywords ***
Tear Down Batch Suite
    [Documentation]    Delete this suite's trigger and close its connection: the library is
    ...    global, and other suites count their connections from one.
    Delete Triggers    ${TRIGGER}
    Close All Reinfer Connections
