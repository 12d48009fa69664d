*** Settings ***
Documentation    (d) Robot Framework's floor: the README loop with two no-op Python keywords per
...              comment over plain-dict items of the same size, no HTTP.

Library          FloorLibrary.py    ${EXPECTED}


*** Variables ***
${EXPECTED}    ${2000}


*** Tasks ***
Route The Stream
    ${config}=    Get Floor Thresholds
    ${seen}=    Set Variable    ${0}
    WHILE    True
        ${batch}=    Get Floor Batch    size=64
        FOR    ${item}    IN    @{batch}[results]
            ${labels}=    Floor Labels    ${item}    ${config}
            ${orders}=    Floor Entities    ${item}
        END
        ${seen}=    Evaluate    ${seen} + len($batch['results'])
        Advance Floor    ${batch}
        IF    ${batch}[is_end_sequence]    BREAK
    END
    Should Be Equal As Integers    ${seen}    ${EXPECTED}
