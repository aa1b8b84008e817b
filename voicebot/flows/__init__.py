"""The flow language: the compiled model of a call flow, the checks of YAML values, field
templates, words and errors. The compiler (voicebot.compiler) builds it from flow files;
the engine runs it. It imports neither of them.
"""
