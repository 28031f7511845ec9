using Npgsql;
using Xunit;

namespace PgQueue.Tests.Unit;

public sealed class ContractErrorMappingTests
{
    [Theory]
    [InlineData(PgQueueErrorCodes.LeaseNotHeld, typeof(LeaseLostException))]
    [InlineData(PgQueueErrorCodes.InvalidBatchId, typeof(InvalidBatchIdException))]
    [InlineData(PgQueueErrorCodes.NotHeadTask, typeof(NotHeadTaskException))]
    [InlineData(PgQueueErrorCodes.InvalidArgument, typeof(InvalidQueueArgumentException))]
    public void FromPostgres_maps_each_contract_sqlstate_to_its_typed_exception(string sqlState, Type expected)
    {
        var postgres = new PostgresException("lease 42 not held for batch orders-7", "ERROR", "ERROR", sqlState);

        var mapped = PgQueueException.FromPostgres(postgres);

        Assert.IsType(expected, mapped);
        Assert.Equal(sqlState, mapped.SqlState);
        Assert.Same(postgres, mapped.InnerException);
        Assert.Contains("orders-7", mapped.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromPostgres_maps_an_unknown_PQ_code_to_the_base_exception_with_its_sqlstate()
    {
        var postgres = new PostgresException("something new", "ERROR", "ERROR", "PQ999");

        var mapped = PgQueueException.FromPostgres(postgres);

        Assert.Equal(typeof(PgQueueException), mapped.GetType());
        Assert.Equal("PQ999", mapped.SqlState);
        Assert.Same(postgres, mapped.InnerException);
    }

    [Fact]
    public void FromPostgres_keeps_the_hint_in_the_message()
    {
        var postgres = new PostgresException("lease 9 not held for batch b", "ERROR", "ERROR", PgQueueErrorCodes.LeaseNotHeld,
            hint: "roll back and claim the batch again");

        var mapped = PgQueueException.FromPostgres(postgres);

        Assert.Contains("lease 9 not held for batch b", mapped.Message, StringComparison.Ordinal);
        Assert.Contains("roll back and claim the batch again", mapped.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("PQ001", true)]
    [InlineData("PQ004", true)]
    [InlineData("P0001", false)]
    [InlineData("23505", false)]
    [InlineData("40001", false)]
    public void IsContractError_is_true_only_for_PQ_sqlstates(string sqlState, bool expected)
    {
        Assert.Equal(expected, PgQueueException.IsContractError(new PostgresException("x", "ERROR", "ERROR", sqlState)));
    }

    [Fact]
    public void Typed_exceptions_carry_their_own_sqlstate_when_created_directly()
    {
        Assert.Equal(PgQueueErrorCodes.LeaseNotHeld, new LeaseLostException("m").SqlState);
        Assert.Equal(PgQueueErrorCodes.InvalidBatchId, new InvalidBatchIdException("m").SqlState);
        Assert.Equal(PgQueueErrorCodes.NotHeadTask, new NotHeadTaskException("m").SqlState);
        Assert.Equal(PgQueueErrorCodes.InvalidArgument, new InvalidQueueArgumentException("m").SqlState);
    }
}
