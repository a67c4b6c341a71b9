"""The Slack adapter: pure payload translation (events), pure Block Kit rendering (blocks),
modals from command specs (modal), and the slack-bolt wiring (adapter)."""
