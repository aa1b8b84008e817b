"""The flow compiler: reads flows/*.yaml into the flow language's model (voicebot.flows),
checks each file whole, draws flow pictures and keeps the registry of loaded flows.

It sits above the step kinds (voicebot.engine.steps), whose schemas and compile steps it
runs, while the engine uses only the flow language: so the compiler imports the engine and
never the reverse, and voicebot.flows imports neither.
"""
