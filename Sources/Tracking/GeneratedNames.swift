/// Run and logged-model names as MLflow generates them when none is given
/// (`mlflow/utils/name_utils.py` `_generate_random_name`): "adjective-noun-N", N in 0...1000,
/// at most 20 characters. The shape is MLflow's; the words are mltui's own.
public enum GeneratedNames {
    public static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> String {
        var name = ""
        for _ in 0..<10 {
            name = "\(predicates.randomElement(using: &generator)!)-\(nouns.randomElement(using: &generator)!)-"
                + String(Int.random(in: 0...1000, using: &generator))
            if name.count <= 20 { return name }
        }
        return String(name.prefix(20))
    }

    static let predicates = [
        "agile", "amber", "ancient", "ardent", "azure", "balmy", "bashful", "blazing", "blithe", "breezy",
        "brisk", "bronze", "bubbly", "candid", "cheery", "civil", "cobalt", "coral", "cosmic", "cozy",
        "crimson", "crisp", "curious", "daring", "dainty", "deft", "dewy", "dreamy", "dusky", "eager",
        "earnest", "elated", "elegant", "epic", "fabled", "fancy", "feisty", "fervent", "fiery", "fleet",
        "floral", "fluent", "frosty", "frugal", "gallant", "gleaming", "glossy", "golden", "graceful",
        "grand", "hardy", "hazy", "hearty", "humble", "icy", "idle", "jade", "jaunty", "jolly", "jovial",
        "keen", "kindred", "lavish", "lively", "lofty", "lucid", "lunar", "mellow", "merry", "mighty",
        "misty", "modest", "mossy", "nifty", "noble", "nomadic", "novel", "opal", "ornate", "patient",
        "plucky", "polar", "prime", "proud", "quaint", "quick", "quiet", "quirky", "radiant", "rapid",
        "regal", "rosy", "rowdy", "rustic", "sage", "scarlet", "serene", "shiny", "silken", "silver", "sleek",
        "snowy", "solar", "sonic", "spry", "stellar", "sturdy", "sunny", "swift", "tidal", "tranquil",
        "trusty", "twilit", "urban", "valiant", "velvet", "vernal", "vivid", "warm", "wily", "windy", "witty",
        "zesty", "zippy"
    ]

    static let nouns = [
        "acorn", "alder", "anvil", "aspen", "atlas", "badger", "basin", "beacon", "birch", "bison", "bluff",
        "bramble", "brook", "canyon", "cedar", "comet", "condor", "coral", "cove", "crest", "cricket", "dune",
        "eagle", "ember", "falcon", "fern", "fjord", "flint", "gecko", "geyser", "glacier", "glade", "grove",
        "harbor", "heron", "hill", "ibex", "iris", "island", "jackal", "juniper", "kestrel", "lagoon",
        "lantern", "larch", "lemur", "lichen", "lotus", "lynx", "magpie", "maple", "marmot", "meadow", "mesa",
        "meteor", "moss", "nebula", "oak", "ocelot", "orbit", "orchid", "osprey", "otter", "panther",
        "pebble", "pine", "plover", "pond", "prairie", "puffin", "quail", "quartz", "raven", "reef", "ridge",
        "river", "robin", "sequoia", "shoal", "sparrow", "spruce", "stork", "summit", "thicket", "tiger",
        "topaz", "tundra", "valley", "vole", "walrus", "willow", "wren", "yak", "zebra"
    ]
}
