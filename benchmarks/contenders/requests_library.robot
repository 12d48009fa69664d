*** Settings ***
Documentation    (b) The same job hand-written with RequestsLibrary and Collections, as robots
...              that talk to the API without ReinferLibrary are written today.

Library          Collections
Library          OperatingSystem
Library          RequestsLibrary


*** Variables ***
${EXPECTED}    ${2000}


*** Tasks ***
Route The Stream
    &{headers}=    Create Dictionary    Authorization=Bearer %{BENCH_TOKEN}
    Create Session    reinfer    %{BENCH_URL}    headers=${headers}
    ${text}=    Get File    %{BENCH_THRESHOLDS_JSON}
    ${thresholds}=    Evaluate    json.loads($text)    modules=json
    ${stream}=    Set Variable    /api/v1/datasets/%{BENCH_DATASET}/streams/%{BENCH_STREAM}
    ${seen}=    Set Variable    ${0}
    WHILE    True
        &{body}=    Create Dictionary    size=${64}
        ${response}=    POST On Session    reinfer    ${stream}/fetch    json=${body}
        ${batch}=    Set Variable    ${response.json()}
        FOR    ${item}    IN    @{batch}[results]
            ${labels}=    Create List
            FOR    ${label}    IN    @{item}[labels]
                ${name}=    Evaluate    " > ".join($label["name"])
                ${threshold}=    Get From Dictionary    ${thresholds}    ${name}    default=${2}
                IF    ${label}[probability] >= ${threshold}
                    Append To List    ${labels}    ${name}
                END
            END
            ${groups}=    Create Dictionary
            FOR    ${entity}    IN    @{item}[entities]
                FOR    ${capture}    IN    @{entity}[capture_ids]
                    ${group}=    Get From Dictionary    ${groups}    ${capture}    default=${None}
                    IF    $group is None
                        ${group}=    Create Dictionary
                        Set To Dictionary    ${groups}    ${capture}    ${group}
                    END
                    Set To Dictionary    ${group}    ${entity}[name]    ${entity}[formatted_value]
                END
            END
        END
        ${seen}=    Evaluate    ${seen} + len($batch['results'])
        &{advance}=    Create Dictionary    sequence_id=${batch}[sequence_id]
        POST On Session    reinfer    ${stream}/advance    json=${advance}
        # Reads only EXPECTED comments: at its pace the whole stream would take minutes.
        IF    ${batch}[is_end_sequence] or ${seen} >= ${EXPECTED}    BREAK
    END
    Should Be Equal As Integers    ${seen}    ${EXPECTED}
