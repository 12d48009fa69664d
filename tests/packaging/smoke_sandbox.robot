*** Settings ***
Documentation     `make dist`, with the sandbox extra installed: the installed SandboxLibrary starts
...               the installed sandbox and the README's loop routes the demo inbox.

Library           ReinferLibrary.sandbox.SandboxLibrary
Resource          readme_loop.resource

Suite Setup       Start Reinfer Sandbox
Suite Teardown    Stop Reinfer Sandbox


*** Tasks ***
Route The Demo Inbox With The Installed Wheel
    The Library Comes From The Installed Wheel
    Route The Demo Inbox
