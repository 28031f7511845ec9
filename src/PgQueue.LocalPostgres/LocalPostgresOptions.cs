using Microsoft.Extensions.Logging;

namespace PgQueue.LocalPostgres;

/// <summary>
/// Options for <see cref="LocalPostgresCluster.StartAsync"/>.
/// </summary>
public sealed class LocalPostgresOptions
{
    /// <summary>
    /// Gets or sets the directory that holds <c>initdb</c> and <c>pg_ctl</c>.
    /// </summary>
    /// <value>
    /// The default value is <see langword="null"/>: the environment variable <c>PGQUEUE_PG_BIN</c>, then
    /// <c>/usr/lib/postgresql/&lt;highest version&gt;/bin</c>, then <c>pg_config --bindir</c>.
    /// </value>
    public string? BinDirectory { get; set; }

    /// <summary>
    /// Gets or sets whether the server makes its commits durable.
    /// </summary>
    /// <value>
    /// The default value is <see langword="false"/>: <c>fsync</c>, <c>synchronous_commit</c> and
    /// <c>full_page_writes</c> are off, which is fast but loses the last commits when the server crashes
    /// (including <c>pg_ctl stop -m immediate</c>). Set it to <see langword="true"/> for crash tests.
    /// </value>
    public bool Fsync { get; set; }

    /// <summary>
    /// Gets extra server settings passed as <c>-c name=value</c>, for example
    /// <c>shared_preload_libraries = pg_stat_statements</c>. They come after the built-in settings, so they override them.
    /// </summary>
    /// <value>The default value is an empty dictionary.</value>
    public IDictionary<string, string> ServerSettings { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// Gets or sets how long <c>pg_ctl</c> waits for the server to start or stop.
    /// </summary>
    /// <value>The default value is 60 seconds.</value>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Gets or sets the logger that reports the cluster's progress (binaries found, start, restart, removal).
    /// </summary>
    /// <value>The default value is <see langword="null"/>: nothing is logged.</value>
    public ILogger? Logger { get; set; }
}
