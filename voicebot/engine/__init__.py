"""The flow engine: runs a call's steps from its stored state and answers with TwiML."""
