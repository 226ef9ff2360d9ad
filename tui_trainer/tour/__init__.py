"""`tui-trainer tour`: the story as a guided lesson on the real engine.

- stages.py   the lesson: each stage's commands (sent to the training session like keys) and
              its text, written from the numbers the run actually produced (nothing canned)
- driver.py   what a stage may do: send a command and wait for it, run until trouble, run the
              LR range test and take its rate (TourApp implements it)
- command.py  the `tour` subcommand
The screen and the app are in tui_trainer/screens/tour.py.
"""
