"""Things that create posts: feeds, tip cadences, tickets."""
