*** Settings ***
Documentation    `make dist`, core install only: importing the sandbox's Robot library fails on
...              import with one line naming the extra (tools/dist.py reads that line from the
...              console); the keyword library itself still imports.

Library          ReinferLibrary
Library          ReinferLibrary.sandbox.SandboxLibrary


*** Tasks ***
The Keyword Library Imports Without The Extra
    ${names}=    Evaluate    ReinferLibrary.ReinferLibrary().get_keyword_names()    modules=ReinferLibrary
    Should Contain    ${names}    fetch_trigger_batch
