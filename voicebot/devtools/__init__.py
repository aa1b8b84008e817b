"""Developer tooling, outside the runtime: the call emulator (and its interactive REPL), the
scripted-call runner, the flow-test runner and the flow evaluator.

The CLI, the desk's Flows page, the tests and the benchmarks use it; the runtime (the web
edge, the engine, the services, the models) never imports it.
"""
