"""The subsidy catalogue (補助金カタログ): programme rules, the real programmes it starts with,
and the estimate a proposal prints."""
