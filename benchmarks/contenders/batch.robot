*** Settings ***
Documentation    (e) The batch-level idiom: thresholds and capture groups applied once per batch,
...              O(batches) keyword calls (Group Batch By Label), no per-item HTML table.

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
        ${batch}=    Fetch Trigger Batch    %{BENCH_STREAM}    size=64    log_items=False
        ${groups}=    Group Batch By Label    ${batch}    thresholds=${config}
        ${seen}=    Evaluate    ${seen} + len($batch.results)
        Advance Trigger    %{BENCH_STREAM}    ${batch}
        IF    ${batch.is_end_sequence}    BREAK
    END
    Should Be Equal As Integers    ${seen}    ${EXPECTED}
