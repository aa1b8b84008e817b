"""Language shared by the engine, callbacks and voicemail: understanding what people say, and saying things grammatically."""
