"""Comments on posts: whoever may read a post may read and write its comments."""
