"""What every service needs: settings, the clock, the Domain context, typed errors
and the limits of what an admin or a file may set."""
