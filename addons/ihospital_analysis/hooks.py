def uninstall_hook(env):
    """The marking triggers live on other addons' tables: remove them."""
    env["ihospital.analysis.day"]._ihospital_drop_triggers()
