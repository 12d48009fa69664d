*** Settings ***
Documentation    (c) The README-shaped ReinferLibrary robot (INFO log, output.xml on).

Library          ReinferLibrary


*** Variables ***
${TOKEN: Secret}    %{BENCH_TOKEN}
${EXPECTED}         ${2000}


*** Tasks ***
Route The Stream
    Connect To Reinfer    url=%{BENCH_URL}    token=${TOKEN}    dataset=%{BENCH_DATASET}
    ${config}=    Load Thresholds    %{BENCH_THRESHOLDS_YAML}
    ${seen}=    Set Variable    ${0}
    WHILE    True
        ${batch}=    Fetch Trigger Batch    %{BENCH_STREAM}    size=64
        FOR    ${item}    IN    @{batch.results}
            ${labels}=    Labels Above Threshold    ${item}    thresholds=${config}
            ${orders}=    Get Entities By Capture Group    ${item}
        END
        ${seen}=    Evaluate    ${seen} + len($batch.results)
        Advance Trigger    %{BENCH_STREAM}    ${batch}
        IF    ${batch.is_end_sequence}    BREAK
    END
    Should Be Equal As Integers    ${seen}    ${EXPECTED}
