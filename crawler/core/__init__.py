"""What every stage of a crawl shares: identity, error kinds, the address policy, response readers and the
contract between the spiders and the components that read them."""
