namespace TruncEdge.Trainer.Data;

/// <summary>Training-time augmentation: random crop after zero padding of <see cref="CropPadding"/>
/// pixels (torchvision's RandomCrop(size, padding)) and random horizontal flip.</summary>
public sealed record Augmentation(int CropPadding, bool HorizontalFlip)
{
    public static Augmentation None { get; } = new(0, false);

    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsNone => CropPadding == 0 && !HorizontalFlip;

    /// <summary>The usual CIFAR-10 recipe: pad 4, crop, flip.</summary>
    public static Augmentation Cifar { get; } = new(4, true);
}
