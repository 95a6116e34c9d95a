# Django's English formats, with times as newsrooms write them ("2:05 PM",
# not Django's "2:05 p.m."). Other languages keep Django's own.
TIME_FORMAT = "g:i A"
