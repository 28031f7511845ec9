using System.Security.Cryptography;
using System.Text;

namespace PgQueue.Api.Auth;

/// <summary>
/// The API keys from the configuration section <c>PgQueue:ApiKeys</c>, one entry per key: <c>PgQueue:ApiKeys:&lt;key&gt; =
/// producer | worker | admin</c> (environment: <c>PgQueue__ApiKeys__&lt;key&gt;=admin</c>). Only SHA-256 hashes are
/// kept, and a presented key is compared with every one of them in constant time.
/// </summary>
internal sealed class ApiKeyStore
{
    public const string Section = "PgQueue:ApiKeys";

    // Shorter keys are guessable; configuration keys cannot hold ':' and environment names are [A-Za-z0-9_].
    public const int MinimumKeyLength = 16;

    private readonly (byte[] Hash, IReadOnlyList<string> Roles)[] _keys;

    private ApiKeyStore((byte[] Hash, IReadOnlyList<string> Roles)[] keys, IReadOnlyDictionary<string, int> keysPerRole)
    {
        _keys = keys;
        KeysPerRole = keysPerRole;
    }

    /// <summary>How many keys were configured with each role, for the startup log.</summary>
    public IReadOnlyDictionary<string, int> KeysPerRole { get; }

    public bool IsEmpty => _keys.Length == 0;

    /// <summary>Reads the keys; an invalid entry is a startup error, so a typo never silently opens or closes the API.</summary>
    /// <exception cref="InvalidOperationException">A key is too short or its role is not producer, worker or admin.</exception>
    public static ApiKeyStore FromConfiguration(IConfiguration configuration)
    {
        var keys = new List<(byte[] Hash, IReadOnlyList<string> Roles)>();
        var keysPerRole = new Dictionary<string, int>(StringComparer.Ordinal);
        var errors = new List<string>();
        foreach (var entry in configuration.GetSection(Section).GetChildren())
        {
            var role = entry.Value ?? string.Empty;
            var grants = ApiRole.Grants(role);
            if (grants is null)
            {
                errors.Add($"the key {Fingerprint(entry.Key)} has role '{role}'; expected producer, worker or admin");
                continue;
            }

            if (entry.Key.Length < MinimumKeyLength)
            {
                errors.Add($"the key {Fingerprint(entry.Key)} is {entry.Key.Length} characters; use at least {MinimumKeyLength}");
                continue;
            }

            keys.Add((Hash(entry.Key), grants));
            keysPerRole[grants[0]] = keysPerRole.GetValueOrDefault(grants[0]) + 1;
        }

        if (errors.Count > 0)
        {
            throw new InvalidOperationException($"Invalid {Section} configuration: {string.Join("; ", errors)}.");
        }

        return new ApiKeyStore([.. keys], keysPerRole);
    }

    /// <summary>The roles of a presented key, or <see langword="null"/> if it is not configured.</summary>
    public IReadOnlyList<string>? RolesOf(string presentedKey)
    {
        var hash = Hash(presentedKey);
        IReadOnlyList<string>? roles = null;
        // Every key is compared, whatever matched, so the time taken says nothing about the keys.
        foreach (var key in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(key.Hash, hash))
            {
                roles = key.Roles;
            }
        }

        return roles;
    }

    /// <summary>Names a key in logs and errors without revealing it: the first 8 hex digits of its SHA-256.</summary>
    public static string Fingerprint(string key) => $"sha256:{Convert.ToHexStringLower(Hash(key))[..8]}";

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
