"""The web edge: Twilio's webhooks over HTTP.

- `voice`: the `/twilio/*` routes (calls, recordings, SMS, statuses);
- `params`: Twilio's form fields and continuation URLs, read and checked once;
- `security`: the signature check every `/twilio/*` request passes;
- `urls`: absolute URLs Twilio calls back at, built outside a request.

Nothing in the engine, the services or the models imports this package.
"""
