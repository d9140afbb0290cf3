from . import mail_thread, main, sms
